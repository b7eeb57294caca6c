"""What a training found, as a person and a script read it: the summary and its warnings.

Pure functions over the ``metrics`` a model is stored with, so that ``bascule model train``
and ``bascule model show`` (days later, or on a model stored by an older Bascule) say the
same thing:

    summary(metrics, chosen="blend")
    -> {"chosen": "blend", "base_rate": 0.385, "leads": 9240,
        "candidates": [{"model": ..., "auc": ..., "brier": ..., "chosen": ..., "defect": ...}],
        "warnings": ["likely leak: Tags: ...", ...]}

plus ``"time_ordered"`` when the training was also validated in time order.
"""

from __future__ import annotations

from typing import Any

# Written into the metrics of every model trained with shuffled inner folds: a model without
# it was validated by an older Bascule whose calibration folds were blocks of time.
INNER_FOLDS = "shuffled stratified"


def base_rate(metrics: dict[str, Any]) -> float:
    leads = int(metrics.get("leads") or 0)
    return round(int(metrics.get("converted") or 0) / leads, 4) if leads else 0.0


def defects(metrics: dict[str, Any]) -> dict[str, str]:
    """Each defective candidate's reason. Stored since issue 9; for an older model, judged
    again from its stored figures against the base rate's Brier score."""
    if "defects" in metrics:
        return dict(metrics["defects"])
    rate = base_rate(metrics)
    floor = rate * (1 - rate)
    found = {}
    for name, figures in metrics.get("models", {}).items():
        if figures["auc"] < 0.5:
            found[name] = (
                f"ranks leads worse than chance (cross-validated ROC AUC {figures['auc']:.3f} "
                "< 0.5)"
            )
        elif figures["brier"] > floor:
            found[name] = (
                f"predicts worse than the base rate (Brier {figures['brier']:.4f} > {floor:.4f})"
            )
    return found


def warnings(metrics: dict[str, Any], chosen: str) -> list[str]:
    """Everything the user should know before trusting the model, one sentence each."""
    out = []
    excluded = set(metrics.get("excluded", []))
    leaks = metrics.get("leaks", [])
    for leak in leaks:
        left_out = " (excluded)" if leak["feature"] in excluded else ""
        out.append(f"likely leak: {leak['feature']}: {leak['reason']}{left_out}")
    if leaks and not any(leak["feature"] in excluded for leak in leaks):
        out.append("train with --exclude-leaks (or --exclude COL) to leave them out")
    for pattern in metrics.get("unmatched", []):
        out.append(f"--exclude {pattern}: no feature of that name")
    found = defects(metrics)
    for name, reason in found.items():
        what = "is the stored model" if name == chosen else "was not chosen"
        out.append(f"{name} {what}: {reason}")
    if chosen in found:
        out.append("the stored model has a defect: train again (bascule model train)")
    if "inner_folds" not in metrics:
        out.append(
            "trained before the validation folds were shuffled: on leads in time order its "
            "figures can be upside down; train again (bascule model train)"
        )
    out.extend(_time_warnings(metrics.get("time_ordered")))
    return out


def _time_warnings(timed: dict[str, Any] | None) -> list[str]:
    if timed is None:
        return []
    if "reason" in timed:
        return [f"time-ordered validation not done: {timed['reason']}"]
    out = []
    for row in timed["candidates"]:
        if row["auc"] < 0.5:
            out.append(
                f"{row['model']} ranks the newest leads worse than chance (time-ordered "
                f"ROC AUC {row['auc']:.3f})"
            )
        if row["brier"] > timed["base_brier"]:
            out.append(
                f"{row['model']} predicts the newest leads worse than the older leads' "
                f"conversion rate (time-ordered Brier {row['brier']:.4f} > "
                f"{timed['base_brier']:.4f})"
            )
    return out


def summary(metrics: dict[str, Any], chosen: str) -> dict[str, Any]:
    """The report a script reads (``--format json``); AUC and Brier are the cross-validated
    means."""
    found = defects(metrics)
    out: dict[str, Any] = {
        "chosen": chosen,
        "base_rate": base_rate(metrics),
        "leads": int(metrics.get("leads") or 0),
        "candidates": [
            {
                "model": name,
                "auc": figures["auc"],
                "brier": figures["brier"],
                "chosen": name == chosen,
                "defect": found.get(name),
            }
            for name, figures in metrics.get("models", {}).items()
        ],
        "warnings": warnings(metrics, chosen),
    }
    if metrics.get("time_ordered") is not None:
        out["time_ordered"] = metrics["time_ordered"]
    return out
