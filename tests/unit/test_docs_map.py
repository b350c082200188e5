"""The README is the map a newcomer reads in ten minutes (issue 26): at most 12 KiB, it names
`make run` and `make test` and links every page of docs/; and no link between the READMEs and
docs/ points at a file or a heading that is not there."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
DOCUMENTS = [README, ROOT / "clients" / "python" / "README.md", *PAGES]
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchors(document: Path) -> set[str]:
    """The anchors GitHub gives the document's headings (a repeated one gets -1, -2...)."""
    found: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", document.read_text())):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        unique, n = slug, 0
        while unique in found:
            n += 1
            unique = f"{slug}-{n}"
        found.add(unique)
    return found


def local_links(document: Path) -> list[str]:
    text = FENCE.sub("", document.read_text())
    return [link for link in LINK.findall(text) if not re.match(r"[a-z]+:", link)]


def test_the_readme_is_short_and_gives_the_two_commands() -> None:
    text = README.read_text()
    assert len(text.encode()) <= 12 * 1024
    assert "make run" in text and "make test" in text


def test_the_readme_links_every_page_of_docs() -> None:
    linked = {(README.parent / link.split("#")[0]).resolve() for link in local_links(README)}
    assert {page.resolve() for page in PAGES} <= linked


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_local_link_resolves_to_a_file_and_a_heading(document: Path) -> None:
    for link in local_links(document):
        path, _, anchor = link.partition("#")
        target = (document.parent / path).resolve() if path else document
        assert target.exists(), f"{link}: no such file"
        if anchor and target.suffix == ".md":
            assert anchor in anchors(target), f"{link}: no such heading in {target.name}"
