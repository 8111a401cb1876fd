"""Intent and entity scores on the held-out NLU test set (tests/nlu/, never trained on).

    python scripts/nlu_eval.py [--model models/sipguiden.tar.gz] [--out var/nlu-eval] [--min-f1 0.95]

Runs `rasa test nlu` on tests/nlu with the trained model, then prints intent macro-F1,
accuracy, entity F1 and the intents scoring lowest, and writes them to <out>/summary.json.
Exits 1 when the intent macro-F1 is below --min-f1 (used by `make test`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scores(out: Path) -> dict:
    intents = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    summary = {
        "intent_macro_f1": round(intents["macro avg"]["f1-score"], 4),
        "intent_weighted_f1": round(intents["weighted avg"]["f1-score"], 4),
        "intent_accuracy": round(intents["accuracy"], 4),
        "intent_examples": int(intents["macro avg"]["support"]),
        "intents": {k: round(v["f1-score"], 4) for k, v in intents.items() if isinstance(v, dict) and "support" in v
                    and k not in ("macro avg", "weighted avg", "micro avg")},
        "confusions": {},
    }
    for k, v in intents.items():
        if isinstance(v, dict) and v.get("confused_with"):
            summary["confusions"][k] = v["confused_with"]
    entity_file = next(iter(sorted(out.glob("*Extractor_report.json"))), None)
    if entity_file:
        entities = json.loads(entity_file.read_text(encoding="utf-8"))
        summary["entity_macro_f1"] = round(entities["macro avg"]["f1-score"], 4)
        summary["entity_micro_f1"] = round(entities.get("micro avg", entities.get("weighted avg"))["f1-score"], 4)
        summary["entities"] = {k: round(v["f1-score"], 4) for k, v in entities.items()
                               if isinstance(v, dict) and k not in ("macro avg", "weighted avg", "micro avg")}
    return summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "sipguiden.tar.gz"))
    parser.add_argument("--out", default=str(ROOT / "var" / "nlu-eval"))
    parser.add_argument("--min-f1", type=float, default=None)
    args = parser.parse_args()
    out = Path(args.out)
    rasa = Path(sys.executable).with_name("rasa")
    result = subprocess.run([str(rasa), "test", "nlu", "--nlu", str(ROOT / "tests" / "nlu"), "--model", args.model,
                             "--out", str(out), "--no-plot"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-4000:])
        return 1
    s = scores(out)
    (out / "summary.json").write_text(json.dumps(s, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"Utvärdering på den undanhållna testmängden (tests/nlu, {s['intent_examples']} exempel):")
    print(f"  avsikter (intents): macro-F1 {s['intent_macro_f1']:.3f}, träffsäkerhet {s['intent_accuracy']:.3f}")
    if "entity_macro_f1" in s:
        print(f"  entiteter: macro-F1 {s['entity_macro_f1']:.3f} (" +
              ", ".join(f"{k} {v:.2f}" for k, v in s["entities"].items()) + ")")
    weakest = sorted(s["intents"].items(), key=lambda kv: kv[1])[:5]
    print("  svagast: " + ", ".join(f"{k} {v:.2f}" for k, v in weakest))
    if args.min_f1 is not None and s["intent_macro_f1"] < args.min_f1:
        print(f"FEL: intent macro-F1 {s['intent_macro_f1']:.3f} är under målet {args.min_f1:.2f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
