"""Re-derives the Loihi figures of docs/validation.md from Blouw et al. 2019's raw power logs.

Usage: python3 docs/validation_blouw_logs.py LOGS_DIR, where LOGS_DIR is the `logs` folder of
abr/power_benchmarks (commit fce95c86615ab978755a9bc52daa882a7ef38278). Method as the paper's: idle = mean of the
Loihi idle logs (20 readings trimmed at each end), dynamic = mean running power in the run's window − idle,
inferences/s = inferences ÷ the run's wall time; runs of one configuration averaged.
Last, the fit of the `loihi` profile's host loop (host.loop_s, host.input_core_s) through the keyword spotter and
the 0-branch scaled run.
"""
import csv
import glob
import json
import os
import re
import statistics
import sys
from datetime import datetime

STAMP = "%Y-%m-%d_%H:%M:%S.%f"


def idle_watts(files, trim=20):
    readings = []
    for name in files:
        rows = list(csv.reader(open(name)))
        for row in rows[trim:len(rows) - trim + 1]:
            try:
                readings.append(float(row[1]))
            except (ValueError, IndexError):
                pass
    return statistics.mean(readings)


def run(prefix):
    summary = json.load(open(prefix + ".json"))
    start, end = summary["start_time"], summary["end_time"]
    seconds = (datetime.strptime(end, STAMP) - datetime.strptime(start, STAMP)).total_seconds()
    watts = [float(row[1]) for row in csv.reader(open(prefix + ".csv")) if row and start <= row[0] <= end]
    return summary["n_inferences"] / seconds, statistics.mean(watts)


def main(logs):
    idle = idle_watts(glob.glob(os.path.join(logs, "idle", "loihi*.csv")))
    print(f"idle {idle * 1e3:.1f} mW")
    runs = {}
    for name in sorted(glob.glob(os.path.join(logs, "running", "loihi*.json"))):
        config = re.sub(r"_run\d+$", "", os.path.basename(name)[:-5])
        runs.setdefault(config, []).append(run(name[:-5]))
    steps = {}
    for config, values in runs.items():
        rate = statistics.mean(v[0] for v in values)
        power = statistics.mean(v[1] for v in values)
        steps[config] = 1 / rate / 10
        print(f"{config:22s} runs {len(values)}  {rate:6.1f} inferences/s  running {power * 1e3:6.1f} mW  "
              f"dynamic {(power - idle) / rate * 1e6:6.1f} uJ per inference  step {1e6 / rate / 10:4.0f} us")

    # The loihi profile's host loop: step = loop + per-core time x cores receiving host input, through the keyword
    # spotter (input on 2 cores) and the 0-branch scaled run (8 cores). The profile takes the spotter's step from the
    # paper (296 inferences/s: 338 us); these logs give 337 us.
    if "loihi" in steps and "loihi_I08O08C00L00" in steps:
        for label, spotter in (("paper", 1 / 296 / 10), ("logs", steps["loihi"])):
            per_core = (steps["loihi_I08O08C00L00"] - spotter) / (8 - 2)
            print(f"host loop fit ({label} spotter step {spotter * 1e6:.1f} us): input_core_s {per_core * 1e6:.2f} us, "
                  f"loop_s {(spotter - 2 * per_core) * 1e6:.1f} us")


if __name__ == "__main__":
    main(sys.argv[1])
