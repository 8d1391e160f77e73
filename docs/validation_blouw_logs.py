"""Re-derives the Loihi figures of docs/validation.md from Blouw et al. 2019's raw power logs.

Usage: python3 docs/validation_blouw_logs.py LOGS_DIR, where LOGS_DIR is the `logs` folder of
abr/power_benchmarks (commit fce95c86615ab978755a9bc52daa882a7ef38278). Method as the paper's: idle = mean of the
Loihi idle logs (20 readings trimmed at each end), dynamic = mean running power in the run's window − idle,
inferences/s = inferences ÷ the run's wall time; runs of one configuration averaged.
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
    for config, values in runs.items():
        rate = statistics.mean(v[0] for v in values)
        power = statistics.mean(v[1] for v in values)
        print(f"{config:22s} runs {len(values)}  {rate:6.1f} inferences/s  running {power * 1e3:6.1f} mW  "
              f"dynamic {(power - idle) / rate * 1e6:6.1f} uJ per inference  step {1e6 / rate / 10:4.0f} us")


if __name__ == "__main__":
    main(sys.argv[1])
