"""Checks kvq-calibrate's table and the calibrated allocation (calibrate-stories.test).

usage: check_calibrate.py TABLE.json OPTIMAL.json CALIBRATED.json BUDGET
"""
import json
import sys

table = json.load(open(sys.argv[1]))
reports = {k: json.load(open(p)) for k, p in (("optimal", sys.argv[2]), ("calibrated", sys.argv[3]))}
budget = float(sys.argv[4])
ok = True


def check(cond, msg):
    global ok
    print(("ok: " if cond else "FAIL: ") + msg)
    ok &= bool(cond)


widths = table["widths"]
check(widths == [2, 3, 4, 8, 16], "widths %s" % widths)
check(table["streams"]["generated"] and table["streams"]["positions"] > 0, "generated streams")
for layer in table["layers"]:
    for tensor in ("key", "value"):
        for metric in ("attention_mse", "kl"):
            e = layer[tensor][metric]
            check(e[-1] == 0 and all(x >= 0 for x in e), "layer %d %s %s: 16 bits is the reference" % (layer["layer"], tensor, metric))
            # More bits never hurt; the attention error drops at every step.
            mono = all(e[i] >= e[i + 1] for i in range(len(e) - 1))
            if metric == "attention_mse":
                mono = all(e[i] > e[i + 1] for i in range(len(e) - 1))
            check(mono, "layer %d %s %s non-increasing in bits: %s" % (layer["layer"], tensor, metric, ["%.3g" % x for x in e]))

for name, r in reports.items():
    a = r["allocation"]
    check(a["average_bits"] <= budget + 1e-9, "%s: average %.4f <= budget %g" % (name, a["average_bits"], budget))
    check(a["slack_bits"] < a["min_step_bits"] + 1e-9, "%s: slack %.4f < smallest step %.4f" % (name, a["slack_bits"], a["min_step_bits"]))
    print("%s: %s; measured %s error %.6g" % (name, " ".join("K%gV%g" % (l["key"]["bits"], l["value"]["bits"]) for l in r["layers"]), r["measured"]["metric"], r["measured"]["error"]))

c, o = reports["calibrated"], reports["optimal"]
check(c["allocation"]["policy"] == "calibrated", "policy recorded")
# The calibrated allocation's total is the table's sum at its widths.
s = 0
for l in c["layers"]:
    row = next(x for x in table["layers"] if x["layer"] == l["layer"])
    s += row["key"]["attention_mse"][widths.index(l["key"]["bits"])]
    s += row["value"]["attention_mse"][widths.index(l["value"]["bits"])]
check(abs(s - c["measured"]["error"]) <= 1e-12 * max(1, s), "calibrated error is the table's sum")
check(c["measured"]["error"] <= o["measured"]["error"] * (1 + 1e-12),
      "calibrated measured error %.6g <= norm-proxy optimal's %.6g" % (c["measured"]["error"], o["measured"]["error"]))
print("OK" if ok else "FAILED")
