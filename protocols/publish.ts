import { z } from 'zod';
import { targetChoices, transitionsIn } from './engine.js';
import { deadlineTitle } from './titles.js';
import type { Consequences, DeadlineDefinition, ProtocolDefinition, TransitionDefinition } from './types.js';

/**
 * Publishes a definition as the institutions read it: JSON (data schemas as JSON Schema) and
 * a Mermaid state diagram, both generated from the same data the engine runs.
 */

type Edge = { from: string; to: string; event: string; label: string };

function targetsOf(definition: ProtocolDefinition, from: string, transition: TransitionDefinition): { to: string; note?: string }[] {
  return targetChoices(transition).flatMap((choice) => {
    if (typeof choice.target === 'string') return [{ to: choice.target, ...(choice.when ? { note: choice.when as string } : {}) }];
    // A history target returns to whichever state led here.
    return incomingSources(definition, from).map((source) => ({ to: source, note: 'back to where it came from' }));
  });
}

function incomingSources(definition: ProtocolDefinition, state: string): string[] {
  const sources = new Set<string>();
  for (const [name, candidate] of Object.entries(definition.states)) {
    for (const transition of Object.values(candidate.on ?? {})) {
      if (targetChoices(transition).some((choice) => choice.target === state) && name !== state) sources.add(name);
    }
  }
  return [...sources].sort();
}

export function edgesOf(definition: ProtocolDefinition): Edge[] {
  const edges: Edge[] = [];
  for (const [from, state] of Object.entries(definition.states)) {
    for (const [event, transition] of Object.entries(state.on ?? {})) {
      for (const { to, note } of targetsOf(definition, from, transition)) {
        edges.push({ from, to, event, label: `${event} (${transition.by.join(', ')})${note ? ` [${note}]` : ''}` });
      }
    }
  }
  return edges;
}

export function observationsOf(definition: ProtocolDefinition, state: string): string[] {
  return Object.entries(definition.states[state]?.on ?? {})
    .filter(([, transition]) => transition.target === 'observation')
    .map(([event]) => event);
}

/** A Mermaid `stateDiagram-v2` of the definition; observations are listed in a note per state. */
export function mermaidOf(definition: ProtocolDefinition): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${definition.initial}`];
  for (const edge of edgesOf(definition)) lines.push(`  ${edge.from} --> ${edge.to}: ${edge.label.replaceAll(':', ' ')}`);
  for (const [name, state] of Object.entries(definition.states)) {
    if (state.final) lines.push(`  ${name} --> [*]`);
    const observations = observationsOf(definition, name);
    if (observations.length > 0) lines.push(`  note right of ${name}`, `    observations: ${observations.join(', ')}`, '  end note');
  }
  return lines.join('\n');
}

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** What an event or the opening does beyond its own case, as published. */
function consequencesJson(declared: Consequences) {
  return {
    facts: declared.facts ?? [],
    tells: declared.tells ?? [],
    opens: declared.opens ?? [],
    signals: declared.signals ?? [],
    retires: declared.retires ?? [],
  };
}

/**
 * The definition as JSON: everything the engine runs on, with data schemas as JSON Schema.
 * Each non-final state lists every event it accepts, the protocol's `anyState` events included
 * (they are also published once under `anyState`).
 */
export function publishProtocol(definition: ProtocolDefinition) {
  const transitionJson = (transition: TransitionDefinition) => ({
    by: transition.by,
    target: transition.target,
    guards: transition.guards ?? [],
    assign: transition.assign ?? [],
    ...consequencesJson(transition),
    description: transition.description,
    data: jsonSchema(transition.data),
  });
  const eventsJson = (on: Readonly<Record<string, TransitionDefinition>>) =>
    Object.fromEntries(Object.entries(on).map(([event, transition]) => [event, transitionJson(transition)]));
  return {
    id: definition.id,
    version: definition.version,
    title: definition.title,
    description: definition.description,
    parts: definition.parts,
    opening: {
      roles: definition.opening.roles,
      ownerPart: definition.opening.ownerPart,
      data: jsonSchema(definition.opening.data),
      assign: definition.opening.assign ?? [],
      ...consequencesJson(definition.opening),
    },
    facts: definition.facts ?? [],
    initial: definition.initial,
    states: Object.fromEntries(
      Object.entries(definition.states).map(([name, state]) => [name, { title: state.title, final: state.final === true, on: eventsJson(transitionsIn(definition, name)) }]),
    ),
    anyState: eventsJson(definition.anyState ?? {}),
    // `title` rendered with the rule's numbers; `titleMessage` is the ICU source it is rendered from.
    deadlines: Object.entries(definition.deadlines).map(([name, rule]: [string, DeadlineDefinition]) => ({
      rule: name,
      ...rule,
      title: deadlineTitle(rule),
      titleMessage: rule.title,
    })),
    capacity: definition.capacity ?? null,
    diagram: mermaidOf(definition),
  };
}
