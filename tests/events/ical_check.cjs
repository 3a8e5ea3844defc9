// Parse an .ics file with ical.js (Thunderbird's parser) and print what it understood, as JSON:
// {method, name (X-WR-CALNAME), timezones: [tzid], events: [{uid, sequence, status, summary, location, description, start, end,
//  start_tzid, categories, url, conference: [{value, feature, label}], attendees, organizer, alarms}]}.
// start and end are converted to UTC by ical.js itself, from the VTIMEZONEs of the file.
// Usage: node tests/events/ical_check.cjs FILE.ics
"use strict";

const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

// ical.js is installed in the project's node_modules, two folders above this script.
const projectRequire = createRequire(path.join(__dirname, "..", "..", "package.json"));
const ICAL = projectRequire("ical.js");

function main(file) {
  const text = fs.readFileSync(file, "utf8");
  const calendar = new ICAL.Component(ICAL.parse(text));

  const timezones = calendar.getAllSubcomponents("vtimezone").map((vtimezone) => {
    const timezone = new ICAL.Timezone(vtimezone);
    ICAL.TimezoneService.register(timezone.tzid, timezone);
    return timezone.tzid;
  });

  const utc = ICAL.Timezone.utcTimezone;
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const start = vevent.getFirstPropertyValue("dtstart");
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: vevent.getFirstPropertyValue("status"),
      summary: event.summary,
      location: event.location,
      description: event.description,
      url: vevent.getFirstPropertyValue("url"),
      categories: vevent.getAllProperties("categories").flatMap((property) => property.getValues()),
      start: event.startDate.convertToZone(utc).toString(),
      end: event.endDate.convertToZone(utc).toString(),
      start_tzid: start && start.zone ? start.zone.tzid : null,
      start_unix: event.startDate.toUnixTime(),
      conference: vevent.getAllProperties("conference").map((property) => ({
        value: property.getFirstValue(),
        feature: property.getParameter("feature") || null,
        label: property.getParameter("label") || null,
      })),
      organizer: vevent.getFirstPropertyValue("organizer"),
      attendees: vevent.getAllProperties("attendee").map((property) => ({
        value: property.getFirstValue(),
        cn: property.getParameter("cn") || null,
        partstat: property.getParameter("partstat") || null,
        rsvp: property.getParameter("rsvp") || null,
      })),
      alarms: vevent.getAllSubcomponents("valarm").length,
    };
  });

  const method = calendar.getFirstPropertyValue("method");
  const name = calendar.getFirstPropertyValue("x-wr-calname");
  process.stdout.write(JSON.stringify({ method: method || null, name: name || null, timezones, events }));
}

if (process.argv.length !== 3) {
  process.stderr.write("usage: node ical_check.cjs FILE.ics\n");
  process.exit(2);
}
main(process.argv[2]);
