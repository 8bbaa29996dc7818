"""A small slice of the shared public messages (teddy2020): real re-posts are found, a real hot issue clusters.
Skipped when the shared data is not beside the checkout."""

import random

import pytest

from minqing.hotspots import shared_data
from minqing.hotspots.services import cluster_texts, near_duplicates
from minqing.petitions.tests.factories import register

pytestmark = pytest.mark.skipif(
    not shared_data.available(), reason=f"shared data not found in {shared_data.data_dir()}"
)


@pytest.fixture(scope="module")
def votes() -> list[shared_data.Message]:
    return list(shared_data.messages("messages_with_votes.csv"))


@pytest.mark.django_db
def test_real_re_posts_in_the_votes_file_are_found_and_others_are_not(tree, people, votes):
    truth = shared_data.repost_pairs(votes)
    rng = random.Random(3)
    exact = rng.sample([p for p, kind in truth.items() if kind == "exact"], 8)
    in_pairs = {i for pair in truth for i in pair}
    others = rng.sample([i for i in range(len(votes)) if i not in in_pairs], 12)
    ids = {}
    for n, i in enumerate([a for a, _b in exact] + others):
        m = votes[i]
        ids[i] = register(
            people.officer,
            tree.zhangzhuang,
            title=(m.title or "无标题")[:100],
            content=m.detail[:10_000],
            submitter_phone=f"1370000{n:04d}",
        ).pk
    for a, b in exact:
        hits = near_duplicates(f"{votes[b].title}。{votes[b].detail}", region_path=tree.township.path)
        assert ids[a] in [h.petition.pk for h in hits]
    for i in others:
        hits = near_duplicates(f"{votes[i].title}。{votes[i].detail}", exclude=[ids[i]])
        assert hits == [], votes[i].title


def test_a_real_hot_issue_forms_one_cluster(votes):
    issue = [m for m in votes if "伊景园" in m.title][:10]
    rng = random.Random(5)
    others = rng.sample([m for m in votes if "伊景园" not in m.title + m.detail], 60)
    texts = [f"{m.title}。{m.detail}" for m in issue + others]
    clusters = cluster_texts(texts)
    biggest = max(clusters, key=lambda c: sum(i < len(issue) for i in c.members))
    assert sum(i < len(issue) for i in biggest.members) >= 7
    assert sum(i >= len(issue) for i in biggest.members) <= 1
