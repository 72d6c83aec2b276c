"""Pages of the selection feature for the audits of pages.py (see its docstring): PAGES lines, their setups and
acts, and ROLES this feature adds."""

from __future__ import annotations

from . import scenes
from .pages import Page, World

ROLES: dict = {}


def _review_of(world: World, closed: bool = False, submitted: bool = False):
    from jisr.calls.models import AssociationReview
    from jisr.extensions import db

    the_call = scenes.call(world, closed=closed)
    association = scenes.association(world, the_call)
    review = AssociationReview(association_application_id=association.id, reviewer_id=world.user.id,
                               assigned_by_id=world.user.id)
    db.session.add(review)
    db.session.commit()
    if submitted:
        data = {"no_conflict": "y"}
        for criterion in the_call.criteria:
            data[f"score_{criterion.id}"] = "7"
            data[f"comment_{criterion.id}"] = "Solide"
        assert world.client.post(f"/selection/reviews/{review.id}/scores", data=data).status_code == 303
    return the_call, association, review


def _ranking(world: World) -> str:
    the_call, _association, _review = _review_of(world, closed=True, submitted=True)
    scenes.association(world, the_call, n=2)
    return f"/selection/calls/{the_call.id}"


def _association(world: World) -> str:
    _call, association, _review = _review_of(world, closed=True, submitted=True)
    return f"/selection/associations/{association.id}"


def _my_reviews(world: World) -> str:
    _review_of(world)
    return "/selection/reviews/"


def _review(submitted: bool):
    def setup(world: World) -> str:
        return f"/selection/reviews/{_review_of(world, submitted=submitted)[2].id}"

    return setup


def _send_scores_blank(page, world) -> None:
    with page.expect_navigation():
        page.locator("main form[action$='/scores'] [type=submit]").first.click()


PAGES: list[Page] = [
    Page("selection-call", "admin", _ranking),
    Page("selection-association", "admin", _association),
    Page("my-reviews", "coordinator", "/selection/reviews/", "empty"),
    Page("my-reviews", "coordinator", _my_reviews),
    Page("review", "coordinator", _review(False), "to-score"),
    Page("review", "coordinator", _review(False), "errors", act=_send_scores_blank),
    Page("review", "coordinator", _review(True), "scored"),
]
