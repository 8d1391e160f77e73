/// The supervisor's reading of the worker's messages (`SupervisedReading`): which file it is reading, and until
/// when it may.
struct ReadingPhaseParser {
    struct Reading: Equatable {
        let path: String
        let limitSeconds: Int
    }

    private(set) var reading: Reading?
    private(set) var deadline: ContinuousClock.Instant?
    private var pending: [UInt8] = []

    /// Takes bytes as they arrive (messages may be split or several at once).
    mutating func consume(_ bytes: some Collection<UInt8>, now: ContinuousClock.Instant) {
        pending.append(contentsOf: bytes)
        while let end = pending.firstIndex(of: 0) {
            let message = pending[..<end]
            pending.removeSubrange(...end)
            if message.first == UInt8(ascii: "d") {
                reading = nil
                deadline = nil
            } else if message.first == UInt8(ascii: "r"), let tab = message.firstIndex(of: UInt8(ascii: "\t")),
                      let seconds = Int(String(decoding: message[message.index(after: message.startIndex)..<tab], as: UTF8.self)) {
                reading = Reading(path: String(decoding: message[message.index(after: tab)...], as: UTF8.self),
                                  limitSeconds: seconds)
                deadline = now + .seconds(seconds)
            }
        }
    }
}
