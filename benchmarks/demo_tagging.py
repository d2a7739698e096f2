"""Theme-tagging quality on the demo corpus: per-theme precision, recall and F1 against the labels the
demo articles carry, by language. Run after `advocacy --data-dir DIR demo`.

    python benchmarks/demo_tagging.py DIR

The demo corpus also served to fit the tagger's three combination constants (see nlp/themes.py), so these
figures measure fit, not generalisation; the held-out evaluation is `advocacy eval tags`.
"""
from __future__ import annotations

import sys
from pathlib import Path

from advocacy.article import article_id
from advocacy.demo.web import DemoWeb
from advocacy.ledger import Ledger

THEMES = ("health", "education", "housing", "justice")


def main(data_dir: Path) -> None:
    with DemoWeb(virtual_hosts=True) as web:
        truth = {article_id(page.url): set(page.themes) for page in web.expected_articles()}
    with Ledger(data_dir / "ledger.db") as ledger:
        articles = [a for a in ledger.iter_articles() if a.id in truth and a.stage != "collected"]
    if not articles:
        sys.exit(f"no enriched demo articles in {data_dir}; run `advocacy --data-dir {data_dir} demo` first")
    print(f"{len(articles)} enriched demo articles\n")
    print(f"{'language':<9}{'theme':<11}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}")
    for language in ("all", "en", "fr", "ar"):
        chosen = [a for a in articles if language == "all" or a.language == language]
        f1s = []
        for theme in THEMES:
            tp = sum(1 for a in chosen if theme in a.theme_names and theme in truth[a.id])
            fp = sum(1 for a in chosen if theme in a.theme_names and theme not in truth[a.id])
            fn = sum(1 for a in chosen if theme not in a.theme_names and theme in truth[a.id])
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
            f1s.append(f1)
            print(f"{language:<9}{theme:<11}{precision:>10.3f}{recall:>8.3f}{f1:>7.3f}{tp + fn:>9}")
        print(f"{language:<9}{'macro-F1':<11}{'':>18}{sum(f1s) / len(f1s):>7.3f}\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
