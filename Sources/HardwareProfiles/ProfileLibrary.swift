import Foundation

/// Finds, lists and loads hardware profiles: the bundled ones in `<repo>/HardwareProfiles` and a user's own files.
public enum ProfileLibrary {
    /// The environment variable that points at a folder of profiles, overriding the search.
    public static let directoryVariable = "NEUROCOST_PROFILES"

    /// The folder name searched for.
    static let folderName = "HardwareProfiles"

    /// File extensions a profile file may have.
    public static let fileExtensions = ["yaml", "yml", "json"]

    /// Folder of bundled profiles: <repo>/HardwareProfiles, found from the executable's or the current directory's location (walk up from CWD looking for HardwareProfiles/*.yaml; also honour env NEUROCOST_PROFILES).
    ///
    /// `NEUROCOST_PROFILES` wins when set (even to a folder with no profiles, so a wrong setting shows). Otherwise
    /// the first `HardwareProfiles` folder holding a `.yaml` file, walking up from the executable, then from the
    /// current directory.
    public static func bundledDirectory() -> String? {
        let environment = ProcessInfo.processInfo.environment[directoryVariable]
        if let environment, !environment.isEmpty { return environment }
        var starts: [URL] = []
        if let executable = executableURL() { starts.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        starts.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        for start in starts {
            if let found = search(upFrom: start) { return found }
        }
        return nil
    }

    /// The running executable's location. On Linux it is read from `/proc/self/exe`: `Bundle.main` would create the
    /// main bundle, which lists the executable's whole directory (50 ms for a binary in a directory of 28 k files).
    static func executableURL() -> URL? {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return Bundle.main.executableURL
    }

    /// The first `HardwareProfiles` folder with a `.yaml` file in `start` or above it.
    static func search(upFrom start: URL) -> String? {
        var folder = start.standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent(folderName).path
            if profileFiles(in: candidate).contains(where: { $0.hasSuffix(".yaml") }) { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    /// Profile file names (`*.yaml`, `*.yml`, `*.json`) in `directory`, sorted; empty when it cannot be read.
    static func profileFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { fileExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
    }

    /// The names of the bundled profiles (file names without extension), sorted.
    public static func bundledNames() throws(ProfileError) -> [String] {
        let directory = try requireBundledDirectory()
        let files = profileFiles(in: directory)
        guard !files.isEmpty else { throw ProfileError(file: directory, "holds no profile files (.yaml, .yml, .json)") }
        var names: [String] = []
        for file in files {
            let name = (file as NSString).deletingPathExtension
            if names.contains(name) { throw ProfileError(file: directory, "two files define the profile '\(name)'") }
            names.append(name)
        }
        return names
    }

    /// A bundled name ("loihi") or a path to a user's .yaml/.yml/.json file.
    ///
    /// Anything with a `/` or a profile extension is a path. A bundled profile's `name:` must equal its file name.
    public static func load(_ nameOrPath: String) throws(ProfileError) -> HardwareProfile {
        if isPath(nameOrPath) { return try load(file: nameOrPath) }
        let names = try bundledNames()
        let directory = try requireBundledDirectory()
        guard names.contains(nameOrPath) else {
            var message = "unknown profile"
            if let guess = KeySuggestion.closest(to: nameOrPath, among: names) { message += " (did you mean '\(guess)'?)" }
            message += "; bundled profiles: \(names.joined(separator: ", ")); or give the path of a .yaml, .yml or .json file"
            throw ProfileError(file: nameOrPath, message)
        }
        let file = profileFiles(in: directory).first { ($0 as NSString).deletingPathExtension == nameOrPath } ?? nameOrPath
        var profile = try load(file: (directory as NSString).appendingPathComponent(file))
        profile.origin = "bundled:" + file
        guard profile.name == nameOrPath else {
            throw ProfileError(file: profile.file, field: "name",
                               "a bundled profile's name must equal its file name: '\(profile.name)' is in '\(file)'")
        }
        return profile
    }

    /// Reads and checks the profile file at `path`, whatever its name (no bundled-name lookup).
    public static func load(file path: String) throws(ProfileError) -> HardwareProfile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ProfileError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw ProfileError(file: path, "is a folder, not a profile file") }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ProfileError(file: path, "cannot be read as UTF-8 text: \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses profile text (YAML, or JSON with the same keys); `file` names it in errors.
    public static func parse(yaml text: String, file: String) throws(ProfileError) -> HardwareProfile {
        var profile = try ProfileParser.parse(text, file: file)
        profile.sourceText = text
        return profile
    }

    static func isPath(_ nameOrPath: String) -> Bool {
        nameOrPath.contains("/") || fileExtensions.contains((nameOrPath as NSString).pathExtension.lowercased())
    }

    static func requireBundledDirectory() throws(ProfileError) -> String {
        guard let directory = bundledDirectory() else {
            throw ProfileError(file: folderName, "no bundled profile folder found above the executable or the current "
                + "directory; set \(directoryVariable) to the folder holding the .yaml profiles")
        }
        return directory
    }
}
