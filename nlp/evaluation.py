"""Labelled texts for the theme tagger, and the precision / recall / F1 report per theme and language.

The labelled set ships in ``nlp/eval/*.jsonl``: one object per line with id, language, split ("dev" or
"test"), title, text and labels. The dev split may be used for fitting and tuning; the test split only for
reporting.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from advocacy.nlp.errors import NlpError

SPLITS = ("dev", "test")


@dataclass
class LabelledText:
    id: str
    language: str
    split: str
    title: str
    text: str
    labels: set[str]


def _labelled_files() -> list[Path]:
    folder = Path(str(resources.files("advocacy.nlp").joinpath("eval")))
    return sorted(folder.glob("*.jsonl"))


def load_labelled(paths: list[Path] | None = None, *, split: str | None = None,
                  themes: set[str] | None = None) -> list[LabelledText]:
    """Labelled texts from ``paths`` (default: the set shipped with Advocacy Monitor), optionally one split."""
    if split is not None and split not in SPLITS:
        raise NlpError(f"unknown split {split!r}; choose {' or '.join(SPLITS)}")
    items = []
    for path in paths or _labelled_files():
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                item = LabelledText(id=str(data["id"]), language=data.get("language", ""), split=data.get("split", "dev"),
                                    title=data.get("title", ""), text=data["text"], labels=set(data.get("labels", [])))
            except (ValueError, KeyError, TypeError) as exc:
                raise NlpError(f"{path}, line {number}: not a labelled text ({exc}); expected "
                               '{"id", "text", "labels", ...}') from None
            unknown = item.labels - themes if themes is not None else set()
            if unknown:
                raise NlpError(f"{path}, line {number}: unknown theme(s) {', '.join(sorted(unknown))}")
            if split is None or item.split == split:
                items.append(item)
    if not items:
        raise NlpError("no labelled texts found" + (f" in the {split} split" if split else ""))
    return items


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


def score_predictions(items: list[LabelledText], predicted: dict[str, set[str]], themes: list[str]) -> dict:
    """{language: {theme: Scores, "macro-F1": float, "items": n}} with "all" for every language together."""
    report = {}
    languages = sorted({item.language for item in items})
    for language in ["all", *languages]:
        chosen = [item for item in items if language == "all" or item.language == language]
        per_theme = {}
        for theme in themes:
            tp = sum(1 for i in chosen if theme in predicted[i.id] and theme in i.labels)
            fp = sum(1 for i in chosen if theme in predicted[i.id] and theme not in i.labels)
            fn = sum(1 for i in chosen if theme not in predicted[i.id] and theme in i.labels)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
            per_theme[theme] = Scores(precision, recall, f1, tp + fn)
        report[language] = {"themes": per_theme, "macro-F1": sum(s.f1 for s in per_theme.values()) / len(themes),
                            "items": len(chosen)}
    return report


def format_report(report: dict, *, title: str) -> str:
    lines = [title, "", f"{'language':<9}{'theme':<12}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}"]
    for language, block in report.items():
        for theme, scores in block["themes"].items():
            lines.append(f"{language:<9}{theme:<12}{scores.precision:>10.3f}{scores.recall:>8.3f}{scores.f1:>7.3f}"
                         f"{scores.support:>9}")
        lines.append(f"{language:<9}{'macro-F1':<12}{'':>18}{block['macro-F1']:>7.3f}{block['items']:>9} items")
        lines.append("")
    return "\n".join(lines)
