"""Public exhibition pages: the directory, the floor plan, a booth, an exhibitor, logos.

Reading booths lapses expired holds first (exhibitors.booking), so these GETs may write: they commit.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from core.auth.access import public
from core.extensions import db
from events.services import get_event_by_slug, published_events
from exhibitors import booking as bookings
from exhibitors import bp, services
from exhibitors.floorplan import PlanBooth, render_floorplan
from exhibitors.forms import ConfirmForm
from exhibitors.models import CATEGORY_LABELS, Booth, Exhibitor, ExhibitorCategory, ExhibitorLogo


def country_name(code: str | None) -> str:
    """A country's name in the language of the page, from its ISO code."""
    return get_locale().territories.get(code or "", code or "") if code else ""


def event_or_404(slug: str):
    return get_event_by_slug(slug, include_drafts=services.is_organiser(current_user)) or abort(404)


def plan_context(
    event, *, highlight=(), highlight_label: str | None = None, title: str | None = None, standalone: bool = False
) -> dict:
    """The floor plan's SVG and the list of the same booths, with who is on each (approved exhibitors, and the
    caller's own)."""
    booths = list(db.session.scalars(bookings.booths_of(event)))
    occupants = {
        booth_id: exhibitor
        for booth_id, exhibitor in bookings.occupants(event).items()
        if exhibitor.is_approved or services.may_manage(current_user, exhibitor)
    }
    plan_booths = [PlanBooth.of(b, occupants[b.id].name if b.id in occupants else None) for b in booths]
    svg = render_floorplan(
        plan_booths,
        title=title or event.name,
        link_for=lambda b: url_for("exhibitors.booth_page", slug=event.slug, booth_id=b.id, _external=standalone),
        highlight=highlight,
        highlight_label=highlight_label,
        standalone=standalone,
    )
    return {
        "plan_svg": Markup(svg),  # noqa: S704 (built with ElementTree, which escapes every text and attribute)
        "booths": booths,
        "occupants": occupants,
        "highlight": set(highlight),
    }


@bp.get("/exhibition")
@public
def exhibition_home():
    return render_template(
        "exhibitors/home.html", events=published_events(), mine=services.exhibitors_of_account(current_user)
    )


@bp.get("/events/<slug>/exhibition")
@public
def directory(slug: str):
    event = event_or_404(slug)
    category = request.args.get("category", "")
    category = category if category in {c.value for c in ExhibitorCategory} else ""
    country = request.args.get("country", "").strip().upper()[:2]
    q = request.args.get("q", "").strip()[:200]
    exhibitors = list(
        db.session.scalars(
            services.exhibitors_query(
                event, current_user, category=category or None, country=country or None, q=q or None, public_only=True
            )
        )
    )
    countries = sorted(
        set(
            db.session.scalars(
                services.exhibitors_query(event, current_user, public_only=True).with_only_columns(Exhibitor.country)
            )
        )
    )
    booths_by_exhibitor: dict[int, list] = {}
    for booth_id, exhibitor in bookings.occupants(event).items():
        booths_by_exhibitor.setdefault(exhibitor.id, []).append(db.session.get(Booth, booth_id))
    db.session.commit()
    return render_template(
        "exhibitors/directory.html",
        event=event,
        exhibitors=exhibitors,
        categories=CATEGORY_LABELS,
        countries=countries,
        chosen={"category": category, "country": country, "q": q},
        filtered=bool(category or country or q),
        booths_by_exhibitor=booths_by_exhibitor,
        mine=services.exhibitor_of(current_user, event),
    )


@bp.get("/events/<slug>/exhibition/plan")
@public
def plan_page(slug: str):
    event = event_or_404(slug)
    context = plan_context(event)
    db.session.commit()
    return render_template("exhibitors/plan.html", event=event, **context)


@bp.get("/events/<slug>/floorplan.svg")
@public
def floorplan_svg(slug: str):
    event = event_or_404(slug)
    svg = plan_context(event, standalone=True)["plan_svg"]
    db.session.commit()
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + str(svg)
    return Response(body, mimetype="image/svg+xml", headers={"Cache-Control": "no-cache"})


@bp.get("/events/<slug>/booths/<int:booth_id>")
@public
def booth_page(slug: str, booth_id: int):
    event = event_or_404(slug)
    booth = bookings.get_booth(booth_id, event=event)
    context = plan_context(event, highlight=[booth.id], highlight_label=_("This booth"))
    db.session.commit()
    return render_template(
        "exhibitors/booth.html",
        event=event,
        booth=booth,
        occupant=context["occupants"].get(booth.id),
        mine=services.exhibitor_of(current_user, event),
        confirm=ConfirmForm(),
        **context,
    )


@bp.get("/events/<slug>/exhibitors/<int:exhibitor_id>")
@public
def exhibitor_page(slug: str, exhibitor_id: int):
    event = event_or_404(slug)
    exhibitor = services.get_exhibitor_for(current_user, exhibitor_id)
    if exhibitor.event_id != event.id:
        abort(404)
    booth_ids = [b.booth_id for b in bookings.active_bookings_of(exhibitor)]
    context = plan_context(event, highlight=booth_ids, title=exhibitor.name)
    db.session.commit()
    return render_template(
        "exhibitors/exhibitor.html",
        event=event,
        exhibitor=exhibitor,
        own_booths=[b for b in context["booths"] if b.id in booth_ids],
        **context,
    )


@bp.get("/exhibitors/<int:exhibitor_id>/logo/<int:version>")
@public
def logo(exhibitor_id: int, version: int):
    exhibitor = services.get_exhibitor_for(current_user, exhibitor_id)
    stored = db.session.scalar(select(ExhibitorLogo).where(ExhibitorLogo.exhibitor_id == exhibitor.id))
    if stored is None:
        abort(404)
    # The version is in the URL, so a new logo has a new address and this one may be cached for long.
    cache = "public, max-age=31536000, immutable" if version == exhibitor.logo_version else "no-cache"
    return Response(
        stored.data,
        mimetype=stored.content_type,
        headers={
            "Cache-Control": cache,
            "Content-Disposition": "inline",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
