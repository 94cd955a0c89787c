/*
 * Clock: timers, alarms, reminders and "what time is it", on Alexa's Timers, Reminders and Settings APIs.
 *
 * A plain Lambda handler with no dependencies: it calls the APIs at the request's apiEndpoint with its
 * apiAccessToken, through Node's own https module, as a skill would on Alexa. An alarm is a timer that rings at a
 * time of day (the Timers API rings until "alexa, stop"); a reminder is said once at its time.
 */
'use strict';

const https = require('https');

function api(event, method, path, body) {
  const system = event.context.System;
  const url = new URL(system.apiEndpoint + path);
  const data = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = https.request({
      hostname: url.hostname, port: url.port || 443, path: url.pathname + url.search, method,
      headers: {
        Authorization: `Bearer ${system.apiAccessToken}`, 'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(data),
      },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => {
        let parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = text; }
        if (response.statusCode >= 200 && response.statusCode < 300) resolve(parsed);
        else reject(Object.assign(new Error(`${method} ${path}: ${response.statusCode}`), { statusCode: response.statusCode }));
      });
    });
    request.on('error', reject);
    request.end(data);
  });
}

function say(text, end = true) {
  return { version: '1.0', response: { outputSpeech: { type: 'PlainText', text }, shouldEndSession: end } };
}

function slot(event, name) {
  const slots = (event.request.intent && event.request.intent.slots) || {};
  return slots[name] && slots[name].value;
}

// "PT10M" -> seconds
function seconds(duration) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(duration || '');
  if (!m) return null;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x || 0));
  return ((d * 24 + h) * 60 + min) * 60 + s;
}

function spokenDuration(total) {
  const parts = [];
  const units = [['hour', 3600], ['minute', 60], ['second', 1]];
  let left = Math.round(total);
  for (const [name, size] of units) {
    const n = Math.floor(left / size);
    left -= n * size;
    if (n) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.join(' and ') || '0 seconds';
}

// "07:30" (or MO/AF/EV/NI) -> {hour, minute}
function timeOfDay(value) {
  const named = { MO: [9, 0], AF: [14, 0], EV: [19, 0], NI: [21, 0] };
  if (named[value]) return { hour: named[value][0], minute: named[value][1] };
  const m = /^(\d{1,2}):(\d{2})$/.exec(value || '');
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : null;
}

function spokenTime(hour, minute) {
  const h = hour % 12 === 0 ? 12 : hour % 12;
  return `${h}${minute ? `:${String(minute).padStart(2, '0')}` : ''} ${hour < 12 ? 'AM' : 'PM'}`;
}

async function zone(event) {
  const device = event.context.System.device.deviceId;
  return api(event, 'GET', `/v2/devices/${encodeURIComponent(device)}/settings/System.timeZone`);
}

// The wall-clock time now in a time zone: {hour, minute, year, month, day}
function wallClock(timeZone, at = new Date()) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(at).reduce((all, p) => Object.assign(all, { [p.type]: p.value }), {});
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour % 24, minute: +parts.minute };
}

// Seconds from now until the next time the wall clock shows hour:minute in timeZone.
function secondsUntil(timeZone, hour, minute) {
  const now = wallClock(timeZone);
  let wait = ((hour * 60 + minute) - (now.hour * 60 + now.minute)) * 60 - new Date().getSeconds();
  if (wait <= 0) wait += 24 * 3600;
  return wait;
}

const intents = {
  async SetTimerIntent(event) {
    const total = seconds(slot(event, 'duration'));
    if (!total) return say('For how long? Say, for example, set a timer for ten minutes.');
    await api(event, 'POST', '/v1/alerts/timers', {
      duration: slot(event, 'duration'), timerLabel: '',
      creationBehavior: { displayExperience: { visibility: 'VISIBLE' } },
      triggeringBehavior: { operation: { type: 'NOTIFY_ONLY' }, notificationConfig: { playAudible: true } },
    });
    return say(`${spokenDuration(total)}, starting now.`);
  },
  async CancelTimerIntent(event) {
    const found = await api(event, 'GET', '/v1/alerts/timers');
    await api(event, 'DELETE', '/v1/alerts/timers');
    return say(found.totalCount ? 'Cancelled.' : "You don't have any timers.");
  },
  async TimeLeftIntent(event) {
    const found = await api(event, 'GET', '/v1/alerts/timers');
    const running = (found.timers || []).filter((t) => t.status === 'ON');
    if (!running.length) return say("You don't have any timers.");
    const left = (Date.parse(running[0].triggerTime) - Date.now()) / 1000;
    return say(`About ${spokenDuration(Math.max(0, left))} left.`);
  },
  async SetAlarmIntent(event) {
    const at = timeOfDay(slot(event, 'time'));
    if (!at) return say('For what time? Say, for example, set an alarm for seven AM.');
    const wait = secondsUntil(await zone(event), at.hour, at.minute);
    await api(event, 'POST', '/v1/alerts/timers', {
      duration: `PT${wait}S`, timerLabel: 'alarm',
      creationBehavior: { displayExperience: { visibility: 'VISIBLE' } },
      triggeringBehavior: {
        operation: { type: 'ANNOUNCE', textToAnnounce: [{ locale: 'en-US', text: `It's ${spokenTime(at.hour, at.minute)}` }] },
        notificationConfig: { playAudible: true },
      },
    });
    return say(`Alarm set for ${spokenTime(at.hour, at.minute)}.`);
  },
  async RemindAtIntent(event) {
    const at = timeOfDay(slot(event, 'time'));
    const task = slot(event, 'task');
    if (!at || !task) return say('Say, for example, remind me to call mom at six PM.');
    const timeZone = await zone(event);
    const target = new Date(Date.now() + secondsUntil(timeZone, at.hour, at.minute) * 1000);
    const day = wallClock(timeZone, target);
    const local = `${day.year}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}T`
      + `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}:00`;
    await api(event, 'POST', '/v1/alerts/reminders', {
      requestTime: new Date().toISOString(),
      trigger: { type: 'SCHEDULED_ABSOLUTE', scheduledTime: local, timeZoneId: timeZone },
      alertInfo: { spokenInfo: { content: [{ locale: 'en-US', text: task }] } },
      pushNotification: { status: 'ENABLED' },
    });
    return say(`Okay, I'll remind you to ${task} at ${spokenTime(at.hour, at.minute)}.`);
  },
  async RemindInIntent(event) {
    const total = seconds(slot(event, 'duration'));
    const task = slot(event, 'task');
    if (!total || !task) return say('Say, for example, remind me to stretch in ten minutes.');
    await api(event, 'POST', '/v1/alerts/reminders', {
      requestTime: new Date().toISOString(),
      trigger: { type: 'SCHEDULED_RELATIVE', offsetInSeconds: total },
      alertInfo: { spokenInfo: { content: [{ locale: 'en-US', text: task }] } },
      pushNotification: { status: 'ENABLED' },
    });
    return say(`Okay, I'll remind you to ${task} in ${spokenDuration(total)}.`);
  },
  async ListRemindersIntent(event) {
    const found = await api(event, 'GET', '/v1/alerts/reminders');
    const on = (found.alerts || []).filter((a) => a.status === 'ON');
    if (!on.length) return say("You don't have any reminders.");
    const texts = on.map((a) => a.alertInfo.spokenInfo.content[0].text);
    return say(`You have ${on.length} reminder${on.length === 1 ? '' : 's'}: ${texts.join(', ')}.`);
  },
  async WhatTimeIntent(event) {
    const now = wallClock(await zone(event));
    return say(`It's ${spokenTime(now.hour, now.minute)}.`);
  },
  'AMAZON.HelpIntent': async () => say(
    'You can say: set a timer for ten minutes, set an alarm for seven AM, remind me to stretch in an hour, '
    + 'or what time is it. What would you like?', false,
  ),
  'AMAZON.StopIntent': async () => ({ version: '1.0', response: { shouldEndSession: true } }),
  'AMAZON.CancelIntent': async () => ({ version: '1.0', response: { shouldEndSession: true } }),
  'AMAZON.NavigateHomeIntent': async () => ({ version: '1.0', response: { shouldEndSession: true } }),
};

exports.handler = async (event) => {
  const request = event.request;
  if (request.type === 'LaunchRequest') {
    return say('Clock. You can set a timer or an alarm, ask for a reminder, or ask the time. What would you like?', false);
  }
  if (request.type === 'SessionEndedRequest') return { version: '1.0', response: {} };
  const handle = request.type === 'IntentRequest' && intents[request.intent.name];
  if (!handle) return say("Sorry, I can't do that yet.");
  try {
    return await handle(event);
  } catch (error) {
    console.error(error);
    if (error.statusCode === 401 || error.statusCode === 403) {
      return say('I need your permission for that.');
    }
    return say('Sorry, something went wrong with the clock.');
  }
};
