"""Building blocks for the articles the brief tests index."""
from advocacy.article import Passage


def paragraph_passages(text: str) -> list[Passage]:
    """One passage per paragraph (blank-line separated), with offsets into ``text``."""
    passages, start = [], 0
    for index, paragraph in enumerate(text.split("\n\n")):
        start = text.index(paragraph, start)
        passages.append(Passage(index, paragraph, start, start + len(paragraph)))
        start += len(paragraph)
    return passages
