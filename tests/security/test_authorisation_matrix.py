"""Who may call what: every operation of the OpenAPI document, and every page of the app, as every role and as nobody.

Each row of a table names a call and the status each actor gets (the actors are described in tests/security/world.py:
the data behind the call belongs to someone else, the owner, and is Viet Nam's while the focal point is Cambodia's).
401 not signed in, 403 the role may not, 404 the caller may not know the object exists, 2xx allowed. One world is built
per table and every row is called by every actor; the mismatches are reported together, as a table. A coverage test
fails as soon as an operation of the document, or a route of the app, has no row: a new endpoint needs its decision.
The machinery (rows, bodies, fresh objects, checks, running a table) is in tests/security/matrix.py.
"""

from __future__ import annotations

import pytest

from tests.fixtures.accounts import PASSWORD
from tests.security.matrix import (
    RULE_PARAMETER,
    Browsers,
    Call,
    booth_sheet,
    call_api,
    credentials,
    delegation_sheet,
    drafts_to_organisers,
    fresh_approved,
    fresh_booking,
    fresh_booth,
    fresh_event,
    fresh_pending,
    fresh_pending_exhibitor,
    fresh_session,
    fresh_signup,
    join_link_to_registrants,
    logo,
    new_account,
    new_event,
    new_session,
    own_country_only,
    owners_own_event,
    owners_pending_exhibitor,
    owners_pending_exhibitor_page,
    pending_to_organisers,
    row,
    run_table,
    someone_else_of_viet_nam,
)
from tests.security.world import World, build_world

# The API --------------------------------------------------------------------------------------------------------------

# fmt: off
#                                                                           nobody                           owner
#                                                                            |  delegate   checkin  organiser  |
#                                                                            |   |  focal_point | exhibitor |  admin
API_CALLS = [
    row("POST",   "/api/v1/accounts",                                      "201 201 201 201 201 201 201 201",
        json=new_account),
    row("POST",   "/api/v1/auth/token",                                    "201 201 201 201 201 201 201 201",
        json=credentials),
    row("DELETE", "/api/v1/auth/token",                                    "401 204 204 204 204 204 204 204",
        fresh_caller="token"),
    row("GET",    "/api/v1/me",                                            "401 200 200 200 200 200 200 200"),
    row("PATCH",  "/api/v1/me",                                            "401 200 200 200 200 200 200 200",
        json=lambda w, a: {"timezone": "Asia/Bangkok"}),
    row("DELETE", "/api/v1/me",                                            "401 204 204 204 204 204 204 204",
        json=lambda w, a: {"password": PASSWORD}, fresh_caller="password"),
    row("GET",    "/api/v1/me/data",                                       "401 200 200 200 200 200 200 200"),
    # Programme
    row("GET",    "/api/v1/events",                                        "200 200 200 200 200 200 200 200",
        check=drafts_to_organisers),
    row("POST",   "/api/v1/events",                                        "401 403 403 403 403 201 201 403",
        json=new_event),
    row("GET",    "/api/v1/events/{event_id}",                             "200 200 200 200 200 200 200 200"),
    row("GET",    "/api/v1/events/{event_id}",                             "404 404 404 404 404 200 200 404",
        label="draft", params=lambda w, a: {"event_id": w.draft_event.id}),
    row("PATCH",  "/api/v1/events/{event_id}",                             "401 403 403 403 403 200 200 403",
        json=lambda w, a: {"description": "Hà Nội, 2–4 December"}),
    row("GET",    "/api/v1/events/{event_id}/rooms",                       "200 200 200 200 200 200 200 200"),
    row("POST",   "/api/v1/events/{event_id}/rooms",                       "401 403 403 403 403 201 201 403",
        json=lambda w, a: {"name": f"Phòng {w.number()}"}),
    row("PATCH",  "/api/v1/rooms/{room_id}",                               "401 403 403 403 403 200 200 403",
        json=lambda w, a: {"capacity": 80}),
    row("GET",    "/api/v1/events/{event_id}/sessions",                    "200 200 200 200 200 200 200 200",
        check=join_link_to_registrants),
    row("POST",   "/api/v1/events/{event_id}/sessions",                    "401 403 403 403 403 201 201 403",
        json=new_session),
    row("GET",    "/api/v1/sessions/{session_id}",                         "200 200 200 200 200 200 200 200",
        check=join_link_to_registrants),
    row("PATCH",  "/api/v1/sessions/{session_id}",                         "401 403 403 403 403 200 200 403",
        json=lambda w, a: {"title": "Smart mobility workshop"}),
    row("DELETE", "/api/v1/sessions/{session_id}",                         "401 403 403 403 403 204 204 403",
        params=fresh_session),
    row("GET",    "/api/v1/sessions/{session_id}/invite.ics",              "401 404 404 404 404 404 404 200"),
    # Registration
    row("POST",   "/api/v1/events/{event_id}/registrations",               "401 201 201 201 201 201 201 201",
        label="oneself", params=fresh_event, json=lambda w, a: {"consent_data_processing": True}),
    row("POST",   "/api/v1/events/{event_id}/registrations",               "401 403 403 403 403 201 201 403",
        label="someone else of Viet Nam", json=someone_else_of_viet_nam),
    row("GET",    "/api/v1/events/{event_id}/registrations",               "401 403 200 403 403 200 200 403",
        check=own_country_only),
    row("GET",    "/api/v1/registrations/{registration_id}",               "401 404 404 404 404 200 200 200"),
    row("PATCH",  "/api/v1/registrations/{registration_id}",               "401 404 404 404 404 200 200 200",
        json=lambda w, a: {"job_title": "Vụ trưởng"}),
    row("POST",   "/api/v1/registrations/{registration_id}/approve",       "401 403 403 403 403 200 200 403",
        params=fresh_pending),
    row("POST",   "/api/v1/registrations/{registration_id}/reject",        "401 403 403 403 403 200 200 403",
        params=fresh_pending,
        json=lambda w, a: {"reason": "The delegation is complete."}),
    row("POST",   "/api/v1/registrations/{registration_id}/cancel",        "401 404 404 404 404 200 200 200",
        params=lambda w, a: {"registration_id": w.fresh_registration_for(a).id}),
    row("POST",   "/api/v1/sessions/{session_id}/signups",                 "401 404 404 404 404 201 201 201",
        params=fresh_session,
        json=lambda w, a: {"registration_id": w.ids["registration_id"]}),
    row("DELETE", "/api/v1/sessions/{session_id}/signups/{registration_id}", "401 404 404 404 404 204 204 204",
        params=fresh_signup),
    row("GET",    "/api/v1/registrations/{registration_id}/signups",       "401 404 404 404 404 200 200 200"),
    # Check-in
    row("GET",    "/api/v1/events/{event_id}/checkpoints",                 "401 403 403 200 403 200 200 403"),
    row("POST",   "/api/v1/events/{event_id}/checkpoints",                 "401 403 403 403 403 201 201 403",
        json=lambda w, a: {"name": f"Gate {w.number()}"}),
    row("GET",    "/api/v1/events/{event_id}/checkpoints/{checkpoint_id}", "401 403 403 200 403 200 200 403"),
    row("POST",   "/api/v1/checkin",                                       "401 403 403 200 403 200 200 403",
        json=lambda w, a: {"code": w.fresh_badge_code(), "checkpoint_id": w.ids["checkpoint_id"]}),
    row("GET",    "/api/v1/events/{event_id}/checkin/stats",               "401 403 403 200 403 200 200 403"),
    row("GET",    "/api/v1/events/{event_id}/checkin/offline",             "401 403 403 200 403 200 200 403"),
    # Spreadsheets and badges
    # Cambodia's focal point may import, but not Viet Nam's delegates: the row is refused (422 import_invalid).
    row("POST",   "/api/v1/events/{event_id}/registrations/import",        "401 403 422 403 403 200 200 403",
        form=delegation_sheet),
    row("GET",    "/api/v1/events/{event_id}/registrations.csv",           "401 403 200 403 403 200 200 403",
        check=own_country_only),
    row("GET",    "/api/v1/events/{event_id}/registrations.xlsx",          "401 403 200 403 403 200 200 403"),
    row("GET",    "/api/v1/registrations/{registration_id}/badge.pdf",     "401 404 404 404 404 200 200 200"),
    row("POST",   "/api/v1/registrations/{registration_id}/badge/reissue", "401 403 403 403 403 200 200 403",
        params=fresh_approved),
    row("GET",    "/api/v1/events/{event_id}/badges.pdf",                  "401 403 403 403 403 200 200 403"),
    # Exhibition
    row("GET",    "/api/v1/events/{event_id}/booths",                      "200 200 200 200 200 200 200 200"),
    row("POST",   "/api/v1/events/{event_id}/booths",                      "401 403 403 403 403 201 201 403",
        json=lambda w, a: w.booth_fields()),
    row("POST",   "/api/v1/events/{event_id}/booths/import",               "401 403 403 403 403 200 200 403",
        form=booth_sheet),
    row("GET",    "/api/v1/booths/{booth_id}",                             "200 200 200 200 200 200 200 200"),
    row("PATCH",  "/api/v1/booths/{booth_id}",                             "401 403 403 403 403 200 200 403",
        json=lambda w, a: {"zone": "Giao thông thông minh"}),
    row("POST",   "/api/v1/booths/{booth_id}/bookings",                    "401 403 403 403 404 201 201 201",
        params=lambda w, a: {"booth_id": w.fresh_booth().id},
        json=lambda w, a: {"exhibitor_id": w.ids["exhibitor_id"]}),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}/bookings",            "401 403 403 403 404 200 200 200"),
    row("POST",   "/api/v1/bookings/{booking_id}/confirm",                 "401 403 403 403 403 200 200 403",
        params=lambda w, a: {"booking_id": w.fresh_booking().id}),
    row("POST",   "/api/v1/bookings/{booking_id}/cancel",                  "401 403 403 403 403 200 200 403",
        params=lambda w, a: {"booking_id": w.fresh_booking().id}),
    row("GET",    "/api/v1/events/{event_id}/exhibitors",                  "200 200 200 200 200 200 200 200",
        check=pending_to_organisers),
    # Applying makes the account an exhibitor: a new account of each role applies.
    row("POST",   "/api/v1/events/{event_id}/exhibitors",                  "401 201 201 201 201 201 201 201",
        params=fresh_event, fresh_caller="account",
        json=lambda w, a: {"name": f"Mekong FinTech {w.number()}", "country": "VN"}),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}",                     "200 200 200 200 200 200 200 200",
        label="approved"),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}",                     "404 404 404 404 404 200 200 200",
        label="pending",
        params=owners_pending_exhibitor),
    row("PATCH",  "/api/v1/exhibitors/{exhibitor_id}",                     "401 404 404 404 404 200 200 200",
        json=lambda w, a: {"description": "Xe buýt điện cho Đà Nẵng"}),
    row("PUT",    "/api/v1/exhibitors/{exhibitor_id}/logo",                "401 404 404 404 404 200 200 200",
        form=logo),
    row("POST",   "/api/v1/exhibitors/{exhibitor_id}/approve",             "401 403 403 403 403 200 200 403",
        params=lambda w, a: {"exhibitor_id": w.fresh_exhibitor().id}),
    row("POST",   "/api/v1/exhibitors/{exhibitor_id}/reject",              "401 403 403 403 403 200 200 403",
        params=lambda w, a: {"exhibitor_id": w.fresh_exhibitor().id}),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}/staff",               "401 403 403 403 404 200 200 200"),
    row("POST",   "/api/v1/exhibitors/{exhibitor_id}/staff",               "401 403 403 403 404 201 201 201",
        json=lambda w, a: {"email": f"staff{w.number()}@songhan.example", "full_name": "Võ Thị Sáu"}),
    # Leads are the exhibitor's (its account and staff), not the organisers'.
    row("POST",   "/api/v1/exhibitors/{exhibitor_id}/leads",               "401 403 403 403 404 403 404 201",
        json=lambda w, a: {"code": w.fresh_badge_code()}),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}/leads",               "401 403 403 403 404 403 404 200"),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}/leads.csv",           "401 403 403 403 404 403 404 200"),
    row("PATCH",  "/api/v1/leads/{lead_id}",                               "401 403 403 403 404 403 404 200",
        json=lambda w, a: {"note": "Gọi lại thứ Hai"}),
]
# fmt: on


# Pages -----------------------------------------------------------------------------------------------------------
# The HTML routes of app.url_map (the /api/v1 ones of the OpenAPI document are above). Signed in with the session
# cookie, as a browser is; a POST carries a valid CSRF token and an empty form unless the row gives one, so that it is
# the role, not the token, that turns it away. Nobody is sent to the sign-in page (302) where a sign-in is needed.

# fmt: off
#                                                                           nobody                           owner
#                                                                            |  delegate   checkin  organiser  |
#                                                                            |   |  focal_point | exhibitor |  admin
PAGES = [
    row("GET",  "/",                                                       "200 200 200 200 200 200 200 200"),
    row("GET",  "/healthz",                                                "200 200 200 200 200 200 200 200"),
    row("GET",  "/language/<code>",                                        "302 302 302 302 302 302 302 302",
        params=lambda w, a: {"code": "vi"}),
    row("GET",  "/static/<path:filename>",                                 "200 200 200 200 200 200 200 200",
        params=lambda w, a: {"filename": "css/app.css"}),
    row("GET",  "/bootstrap/static/<path:filename>",                       "200 200 200 200 200 200 200 200",
        params=lambda w, a: {"filename": "css/bootstrap.min.css"}),
    row("GET",  "/api/v1/openapi.json",                                    "200 200 200 200 200 200 200 200"),
    row("GET",  "/api/v1/docs",                                            "200 200 200 200 200 200 200 200"),
    row("GET",  "/api/v1/docs/assets/<path:filename>",                     "200 200 200 200 200 200 200 200",
        params=lambda w, a: {"filename": "swagger-ui-bundle.js"}),
    # Accounts
    row("GET",  "/sign-in",                                                "200 302 302 302 302 302 302 302"),
    row("POST", "/sign-in",                                                "200 302 302 302 302 302 302 302"),
    row("GET",  "/sign-up",                                                "200 302 302 302 302 302 302 302"),
    row("POST", "/sign-up",                                                "200 302 302 302 302 302 302 302"),
    row("POST", "/sign-out",                                               "302 302 302 302 302 302 302 302",
        fresh_caller="client"),
    row("GET",  "/reset-password",                                         "200 200 200 200 200 200 200 200"),
    row("POST", "/reset-password",                                         "200 200 200 200 200 200 200 200"),
    row("GET",  "/reset-password/<token>",                                 "200 200 200 200 200 200 200 200",
        params=lambda w, a: {"token": w.reset_token()}),
    row("POST", "/reset-password/<token>",                                 "200 200 200 200 200 200 200 200",
        params=lambda w, a: {"token": w.reset_token()}),
    row("GET",  "/account",                                                "302 200 200 200 200 200 200 200"),
    # A form sent with no fields keeps what the page would have shown: the profile is saved as it was.
    row("POST", "/account",                                                "302 302 302 302 302 302 302 302"),
    row("GET",  "/account/data.json",                                      "302 200 200 200 200 200 200 200"),
    row("GET",  "/account/password",                                       "302 200 200 200 200 200 200 200"),
    row("POST", "/account/password",                                       "302 200 200 200 200 200 200 200"),
    row("GET",  "/account/delete",                                         "302 200 200 200 200 200 200 200"),
    row("POST", "/account/delete",                                         "302 200 200 200 200 200 200 200"),
    row("GET",  "/admin/users",                                            "302 403 403 403 403 403 200 403"),
    row("GET",  "/admin/users/<int:user_id>",                              "302 403 403 403 403 403 200 403",
        params=lambda w, a: {"user_id": w.person().id}),
    row("POST", "/admin/users/<int:user_id>",                              "302 403 403 403 403 403 302 403",
        params=lambda w, a: {"user_id": w.person().id}),
    # Programme
    row("GET",  "/events/<slug>",                                          "200 200 200 200 200 200 200 200"),
    row("GET",  "/events/<slug>",                                          "404 404 404 404 404 200 200 404",
        label="draft", params=lambda w, a: {"slug": w.draft_event.slug}),
    row("GET",  "/events/<slug>/sessions/<int:session_id>",                "200 200 200 200 200 200 200 200",
        check=join_link_to_registrants),
    row("GET",  "/events/<slug>/calendar.ics",                             "200 200 200 200 200 200 200 200"),
    row("GET",  "/calendar/<feed_token>.ics",                              "200 200 200 200 200 200 200 200"),
    row("GET",  "/calendar/<feed_token>.ics",                              "404 404 404 404 404 404 404 404",
        label="unknown", params=lambda w, a: {"feed_token": "not-a-feed"}),
    row("GET",  "/my/sessions/<int:session_id>/invite.ics",                "302 404 404 404 404 404 404 200"),
    row("GET",  "/manage/events",                                          "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/events/new",                                      "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/new",                                      "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>",                           "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>/edit",                      "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/edit",                      "302 403 403 403 403 302 302 403"),
    row("POST", "/manage/events/<int:event_id>/rooms",                     "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>/sessions/new",              "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/sessions/new",              "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/rooms/<int:room_id>/edit",                        "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/rooms/<int:room_id>/edit",                        "302 403 403 403 403 302 302 403"),
    row("GET",  "/manage/sessions/<int:session_id>/edit",                  "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/sessions/<int:session_id>/edit",                  "302 403 403 403 403 302 302 403"),
    row("GET",  "/manage/sessions/<int:session_id>/cancel",                "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/sessions/<int:session_id>/cancel",                "302 403 403 403 403 302 302 403",
        params=fresh_session),
    row("GET",  "/manage/sessions/<int:session_id>/delete",                "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/sessions/<int:session_id>/delete",                "302 403 403 403 403 302 302 403",
        params=fresh_session),
    # Registration
    row("GET",  "/events/<slug>/my",                                       "302 200 200 200 200 200 200 200"),
    row("POST", "/events/<slug>/my",                                       "302 200 200 200 200 200 200 200"),
    row("GET",  "/events/<slug>/my/badge.pdf",                             "302 404 404 404 404 404 404 200"),
    row("POST", "/events/<slug>/my/cancel",                                "302 404 404 404 404 404 404 302",
        params=owners_own_event),
    row("POST", "/events/<slug>/sessions/<int:session_id>/signup",         "302 404 404 404 404 404 404 302",
        params=fresh_session),
    row("POST", "/events/<slug>/sessions/<int:session_id>/leave",          "302 404 404 404 404 404 404 302",
        params=fresh_signup),
    row("GET",  "/manage/delegations",                                     "302 403 200 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>/registrations",             "302 403 200 403 403 200 200 403",
        check=own_country_only),
    row("POST", "/manage/events/<int:event_id>/registrations/decide",      "302 403 403 403 403 302 302 403"),
    row("GET",  "/manage/events/<int:event_id>/registrations/new",         "302 403 200 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/registrations/new",         "302 403 200 403 403 200 200 403"),
    row("GET",  "/manage/registrations/<int:registration_id>",             "302 403 404 403 403 200 200 403"),
    row("POST", "/manage/registrations/<int:registration_id>/<any(approve, reject, cancel):action>",
                                                                           "302 403 404 403 403 302 302 403",
        params=lambda w, a: fresh_pending(w, a) | {"action": "approve"}),
    row("GET",  "/manage/events/<int:event_id>/report",                    "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>/report.csv",                "302 403 403 403 403 200 200 403"),
    row("GET",  "/events/<int:event_id>/registrations.csv",                "302 403 200 403 403 200 200 403",
        check=own_country_only),
    row("GET",  "/events/<int:event_id>/registrations.xlsx",               "302 403 200 403 403 200 200 403"),
    row("GET",  "/events/<int:event_id>/registrations/import",             "302 403 200 403 403 200 200 403"),
    row("POST", "/events/<int:event_id>/registrations/import",             "302 403 200 403 403 200 200 403"),
    row("GET",  "/events/<int:event_id>/registrations/import/template.csv", "302 403 200 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>/badges",                    "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>/badges.pdf",                "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/badges/reissue",            "302 403 403 403 403 302 302 403"),
    # Check-in
    row("GET",  "/checkin",                                                "302 403 403 200 403 200 200 403"),
    row("GET",  "/checkin/<int:checkpoint_id>",                            "302 403 403 200 403 200 200 403"),
    row("POST", "/checkin/<int:checkpoint_id>/scan",                       "302 403 403 200 403 200 200 403",
        json=lambda w, a: {"code": w.fresh_badge_code()}),
    row("GET",  "/checkin/events/<int:event_id>/offline.json",             "302 403 403 200 403 200 200 403"),
    row("GET",  "/checkin/token",                                          "302 403 403 200 403 200 200 403"),
    row("GET",  "/checkin/vendor/jsQR.js",                                 "200 200 200 200 200 200 200 200"),
    row("GET",  "/manage/events/<int:event_id>/arrivals",                  "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>/arrivals.json",             "302 403 403 403 403 200 200 403"),
    # Exhibition
    row("GET",  "/exhibition",                                             "200 200 200 200 200 200 200 200"),
    row("GET",  "/events/<slug>/exhibition",                               "200 200 200 200 200 200 200 200"),
    row("GET",  "/events/<slug>/exhibition/plan",                          "200 200 200 200 200 200 200 200"),
    row("GET",  "/events/<slug>/floorplan.svg",                            "200 200 200 200 200 200 200 200"),
    row("GET",  "/events/<slug>/booths/<int:booth_id>",                    "200 200 200 200 200 200 200 200"),
    row("GET",  "/events/<slug>/exhibitors/<int:exhibitor_id>",            "200 200 200 200 200 200 200 200"),
    row("GET",  "/events/<slug>/exhibitors/<int:exhibitor_id>",            "404 404 404 404 404 200 200 200",
        label="pending", params=owners_pending_exhibitor_page),
    row("GET",  "/exhibitors/<int:exhibitor_id>/logo/<int:version>",       "200 200 200 200 200 200 200 200"),
    # Who has applied already is sent to their exhibitor's page.
    row("GET",  "/events/<slug>/exhibition/apply",                         "302 200 200 200 302 200 200 302"),
    row("POST", "/events/<slug>/exhibition/apply",                         "302 200 200 200 302 200 200 302"),
    # The other exhibitor books for its own company; an admin, who holds every role, has none at this summit.
    row("POST", "/events/<slug>/booths/<int:booth_id>/book",               "302 403 403 403 302 403 404 302",
        params=fresh_booth),
    row("GET",  "/exhibitor/<int:exhibitor_id>",                           "302 403 403 403 404 200 200 200"),
    row("GET",  "/exhibitor/<int:exhibitor_id>/profile",                   "302 403 403 403 404 200 200 200"),
    row("POST", "/exhibitor/<int:exhibitor_id>/profile",                   "302 403 403 403 404 302 302 302"),
    row("POST", "/exhibitor/<int:exhibitor_id>/staff",                     "302 403 403 403 404 200 200 200"),
    row("GET",  "/exhibitor/<int:exhibitor_id>/leads",                     "302 403 403 403 404 403 404 200"),
    row("POST", "/exhibitor/<int:exhibitor_id>/leads",                     "302 403 403 403 404 403 404 200"),
    row("GET",  "/exhibitor/<int:exhibitor_id>/leads.csv",                 "302 403 403 403 404 403 404 200"),
    row("POST", "/exhibitor/<int:exhibitor_id>/leads/<int:lead_id>/note",  "302 403 403 403 404 403 404 302",
        form=lambda w, a: {"note": "Gọi lại thứ Hai"}),
    row("GET",  "/manage/events/<int:event_id>/exhibition",                "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/exhibition/booths",         "302 403 403 403 403 200 200 403"),
    row("GET",  "/manage/events/<int:event_id>/exhibition/booths/<int:booth_id>/edit",
                                                                           "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/exhibition/booths/<int:booth_id>/edit",
                                                                           "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/exhibition/import",         "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/exhibition/bookings",       "302 403 403 403 403 200 200 403"),
    row("POST", "/manage/events/<int:event_id>/exhibition/bookings/<int:booking_id>/confirm",
                                                                           "302 403 403 403 403 302 302 403",
        params=fresh_booking),
    row("POST", "/manage/events/<int:event_id>/exhibition/bookings/<int:booking_id>/cancel",
                                                                           "302 403 403 403 403 302 302 403",
        params=fresh_booking),
    row("POST", "/manage/events/<int:event_id>/exhibition/exhibitors/<int:exhibitor_id>/approve",
                                                                           "302 403 403 403 403 302 302 403",
        params=fresh_pending_exhibitor),
    row("GET",  "/manage/events/<int:event_id>/exhibition/exhibitors/<int:exhibitor_id>/reject",
                                                                           "302 403 403 403 403 200 200 403",
        params=fresh_pending_exhibitor),
    row("POST", "/manage/events/<int:event_id>/exhibition/exhibitors/<int:exhibitor_id>/reject",
                                                                           "302 403 403 403 403 302 302 403",
        params=fresh_pending_exhibitor),
]
# fmt: on


@pytest.fixture
def world(app) -> World:
    return build_world()


def test_every_api_operation_answers_every_role_as_the_table_says(client, world):
    problems = run_table(world, API_CALLS, lambda call, actor: call_api(client, world, call, actor))
    assert not problems, "\n".join(problems)


def test_every_operation_of_the_openapi_document_has_a_row(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    in_table = {call.operation for call in API_CALLS}
    assert not documented - in_table, f"operations without a row: {sorted(documented - in_table)}"
    assert not in_table - documented, f"rows for operations the document does not have: {sorted(in_table - documented)}"


def test_every_page_answers_every_role_as_the_table_says(app, world):
    browsers = Browsers(app, world)

    def sent_to_sign_in(call, actor, response):
        """Where a sign-in is needed, nobody is sent to the sign-in page, and back here afterwards."""
        if actor == "nobody" and response.status_code == 302 and view_of(app, call).required_roles is not None:
            assert response.headers["Location"].startswith("/sign-in?next="), response.headers["Location"]

    problems = run_table(world, PAGES, browsers.open, also=sent_to_sign_in)
    assert not problems, "\n".join(problems)


def view_of(app, call: Call):
    rule = next(rule for rule in app.url_map.iter_rules() if rule.rule == call.path and call.method in rule.methods)
    return app.view_functions[rule.endpoint]


def openapi_path(rule: str) -> str:
    return RULE_PARAMETER.sub(r"{\1}", rule)


def test_every_route_of_the_app_has_a_row(app, client):
    """Every route and method of url_map is in the table of pages, or (under /api/v1) in the OpenAPI document."""
    documented = {call.operation for call in API_CALLS}
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (method, openapi_path(rule.rule)) not in documented
    }
    in_table = {call.operation for call in PAGES}
    assert not routes - in_table, f"routes without a row: {sorted(routes - in_table)}"
    assert not in_table - routes, f"rows for routes the app does not have: {sorted(in_table - routes)}"
