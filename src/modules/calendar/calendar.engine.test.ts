import { describe, expect, it } from 'vitest';
import { phaseEvents, renderCalendar, taskEvents, type PhaseChangeInput } from './calendar.engine.js';

const run = { id: 'r1', name: 'Lettuce, bed 2' };
const change = (plantId: string, label: string, more: Partial<PhaseChangeInput> = {}): PhaseChangeInput => ({
  plantId,
  label,
  run,
  species: { scientificName: 'Lactuca sativa' },
  from: 'germination',
  to: 'seedling',
  on: '2026-03-09',
  ...more,
});

describe('phaseEvents', () => {
  it('makes one all-day event of a run’s plants entering a phase on the same day, named by its first plant', () => {
    const events = phaseEvents([change('p2', 'L_02'), change('p1', 'L_01'), change('p3', 'L_03')]);
    expect(events).toEqual([
      {
        uid: 'phase-p1-seedling@croft',
        summary: 'Lettuce, bed 2: 3 plants → seedling',
        description: expect.stringContaining('Plants: L_01, L_02, L_03'),
        allDay: true,
        day: '2026-03-09',
      },
    ]);
  });

  it('keeps apart other days, other phases and plants outside a run', () => {
    const events = phaseEvents([
      change('p1', 'L_01'),
      change('p2', 'L_02', { on: '2026-03-10' }),
      change('p1', 'L_01', { from: 'seedling', to: 'vegetative', on: '2026-03-23' }),
      change('s1', 'SOLO', { run: null }),
      change('s2', 'SOLO2', { run: null }),
    ]);
    expect(events.map((e) => [e.uid, e.summary])).toEqual([
      ['phase-p1-seedling@croft', 'L_01 → seedling'],
      ['phase-p2-seedling@croft', 'L_02 → seedling'],
      ['phase-p1-vegetative@croft', 'L_01 → vegetative'],
      ['phase-s1-seedling@croft', 'SOLO → seedling'],
      ['phase-s2-seedling@croft', 'SOLO2 → seedling'],
    ]);
    expect(events[3]!.description).not.toContain('Planting run');
  });

  it('lists at most 50 plants by name in a description', () => {
    const many = Array.from({ length: 60 }, (_, i) => change(`p${i}`, `L_${String(i).padStart(2, '0')}`));
    const [event] = phaseEvents(many);
    expect(event!.summary).toBe('Lettuce, bed 2: 60 plants → seedling');
    expect(event!.description).toContain('L_49 and 10 more');
    expect(event!.description).not.toContain('L_50');
  });
});

describe('taskEvents', () => {
  const task = (due: string) => ({
    id: 't1',
    title: 'Water the bed',
    kind: 'watering',
    due_at: new Date(due),
    notes: '',
  });

  it('shows a task due at an hour for half an hour from then', () => {
    expect(taskEvents([task('2026-03-05T02:00:00Z')], 'Asia/Phnom_Penh')).toEqual([
      {
        uid: 'task-t1@croft',
        summary: 'Water the bed',
        description: 'Task (watering)',
        allDay: false,
        start: new Date('2026-03-05T02:00:00Z'),
        end: new Date('2026-03-05T02:30:00Z'),
      },
    ]);
  });

  it('shows a task due at the start of a farm-local day as that whole day', () => {
    // Midnight in Phnom Penh (UTC+7) is 17:00 UTC the day before.
    const [event] = taskEvents([{ ...task('2026-03-04T17:00:00Z'), notes: 'Both rows' }], 'Asia/Phnom_Penh');
    expect(event).toEqual({
      uid: 'task-t1@croft',
      summary: 'Water the bed',
      description: 'Task (watering)\nBoth rows',
      allDay: true,
      day: '2026-03-05',
    });
  });
});

describe('renderCalendar', () => {
  it('writes RFC 5545 text: dates for all-day events, UTC times otherwise, text escaped', () => {
    const text = renderCalendar({
      name: 'Sunny Acres · Croft',
      now: new Date('2026-03-01T03:00:00Z'),
      events: [
        {
          uid: 'phase-p1-seedling@croft',
          summary: 'A; b, c',
          description: 'one\ntwo',
          allDay: true,
          day: '2026-12-31',
        },
        {
          uid: 'task-t1@croft',
          summary: 'Water',
          description: '',
          allDay: false,
          start: new Date('2026-03-05T02:00:00Z'),
          end: new Date('2026-03-05T02:30:00Z'),
        },
      ],
    });
    const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('X-WR-CALNAME:Sunny Acres · Croft');
    expect(lines).toContain('UID:phase-p1-seedling@croft');
    expect(lines).toContain('DTSTART;VALUE=DATE:20261231');
    // The exclusive end of an all-day event is the next day, across the year's end.
    expect(lines).toContain('DTEND;VALUE=DATE:20270101');
    expect(lines).toContain('SUMMARY:A\\; b\\, c');
    expect(lines).toContain('DESCRIPTION:one\\ntwo');
    expect(lines).toContain('DTSTART:20260305T020000Z');
    expect(lines).toContain('DTEND:20260305T023000Z');
    expect(lines).toContain('DTSTAMP:20260301T030000Z');
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(2);
  });
});
