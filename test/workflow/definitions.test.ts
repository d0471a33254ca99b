/**
 * The static check over every workflow definition: the flows in workflows/ and the test
 * fixtures meant to run. Each is valid ASL (asl-validator, through the same loader the local
 * service uses), every placeholder is bound and every binding used, and it follows the house
 * rules in workflows/definition-rules.ts. The rules themselves are shown to catch what they
 * claim on small inline definitions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bindWorkflow, localFunctionArn } from '#local/stepfunctions/index';
import { definitionRuleProblems } from '#workflows/definition-rules.ts';
import { definitionPath, WORKFLOWS, WORKFLOWS_DIR, type WorkflowDeclaration } from '#workflows/registry.ts';
import { loadDefinition } from '../../local/stepfunctions/definition.ts';
import { FIXTURE_WORKFLOWS, fixture } from './fixtures/workflows.ts';

/** A static check resolves the bound ARNs but never invokes them. */
const noFunction = () => async () => {
  throw new Error('not invoked by a static check');
};

const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const asl = (dir: string) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.asl.json'))
    .map((file) => basename(file, '.asl.json'))
    .sort();

/** Fixtures that must not load: each shows the local service refusing something, by name. */
const REFUSED_FIXTURES: ReadonlyMap<string, [reason: string, message: RegExp]> = new Map([
  ['jsonata', ['QueryLanguage JSONata, which the local runtime would silently pass through', /JSONata/]],
  [
    'unbound-placeholder',
    ['a placeholder the declaration does not bind', /\$\{ScoreLeadFunction\}.*not bound/],
  ],
  [
    'unsupported-resource',
    ['a Task resource (DynamoDB) the local service cannot run', /dynamodb:putItem' is not supported/],
  ],
]);

/** Fixtures some test declares itself instead of FIXTURE_WORKFLOWS, with the same bindings. */
const DECLARED_ELSEWHERE: ReadonlyMap<string, WorkflowDeclaration> = new Map([
  ['review', fixture('review', ['FlakyFunction', 'RejectFunction', 'RequestApprovalFunction'])],
]);

/**
 * Fixtures that show how the engine handles failure, which the house rules exist to prevent or
 * absorb: they stay valid and bound, but are exempt from the rules, each for its reason.
 */
const RULE_EXEMPT_FIXTURES: ReadonlyMap<string, string> = new Map([
  ['retry', 'shows exact backoff (1 s, then 4 s) and exhaustion: jitter would make the delays random'],
  [
    'catch',
    'shows a Catch choosing by error name on the first failure: a Retry would run the task again first',
  ],
  [
    'lambda-timeout',
    'shows a Lambda timeout failing the execution as Lambda.Unknown: a Catch would absorb it',
  ],
  ['review', 'an execution timeline with a task retried until it fails, and an uncaught retry, on purpose'],
]);

interface Checked {
  label: string;
  declaration: WorkflowDeclaration;
  exemptBecause?: string | undefined;
}

const checked: Checked[] = [
  ...WORKFLOWS.map((declaration) => ({ label: `workflow ${declaration.name}`, declaration })),
  ...[
    ...FIXTURE_WORKFLOWS,
    ...[...DECLARED_ELSEWHERE.values()].filter((d) => asl(FIXTURES_DIR).includes(d.name)),
  ].map((declaration) => ({
    label: `fixture ${declaration.name}`,
    declaration,
    exemptBecause: RULE_EXEMPT_FIXTURES.get(declaration.name),
  })),
];

describe('every workflow definition', () => {
  it('is declared in the registry, once, and nothing declared is missing', () => {
    const files = readdirSync(WORKFLOWS_DIR)
      .filter((file) => file.endsWith('.asl.json'))
      .map((file) => join(WORKFLOWS_DIR, file))
      .sort();
    const declared = WORKFLOWS.map(definitionPath).sort();
    expect(declared).toEqual(files);
    expect(new Set(WORKFLOWS.map((w) => w.name)).size).toBe(WORKFLOWS.length);
  });

  it('includes every fixture file: declared to run, or listed as refused with the reason', () => {
    const declared = [...FIXTURE_WORKFLOWS.map((w) => w.name), ...DECLARED_ELSEWHERE.keys()];
    const unaccounted = asl(FIXTURES_DIR).filter(
      (name) => !declared.includes(name) && !REFUSED_FIXTURES.has(name),
    );
    expect(unaccounted).toEqual([]);
    for (const name of REFUSED_FIXTURES.keys()) expect(declared).not.toContain(name);
  });

  for (const { label, declaration, exemptBecause } of checked) {
    describe(`${label} (${basename(definitionPath(declaration))})`, () => {
      it('binds every placeholder, uses every binding, and loads as valid ASL the local service can run', () => {
        const bound = bindWorkflow(declaration);
        expect(() =>
          loadDefinition(bound, {
            name: declaration.name,
            type: declaration.type,
            resolveFunction: noFunction,
            timeScale: 1,
          }),
        ).not.toThrow();
      });

      if (exemptBecause === undefined)
        it('gives every Task Retry with backoff and jitter, and Catch; every token wait a timeout; no JSONata', () => {
          const machine = JSON.parse(readFileSync(definitionPath(declaration), 'utf8')) as Record<
            string,
            unknown
          >;
          expect(definitionRuleProblems(machine)).toEqual([]);
        });
      else
        it(`is exempt from the house rules, and needs to be: ${exemptBecause}`, () => {
          // An exemption that no longer exempts anything must go, so it cannot hide a later lapse.
          const machine = JSON.parse(readFileSync(definitionPath(declaration), 'utf8')) as Record<
            string,
            unknown
          >;
          expect(definitionRuleProblems(machine)).not.toEqual([]);
        });

      it('waits on people only in a STANDARD workflow', () => {
        const text = readFileSync(definitionPath(declaration), 'utf8');
        if (declaration.type === 'EXPRESS') expect(text).not.toContain('.waitForTaskToken');
        else expect(declaration.type).toBe('STANDARD');
      });
    });
  }

  for (const [name, [reason, message]] of REFUSED_FIXTURES)
    it(`refuses the ${name} fixture: ${reason}`, () => {
      const declaration = fixture(name);
      expect(() =>
        loadDefinition(bindWorkflow(declaration), {
          name,
          type: declaration.type,
          resolveFunction: noFunction,
          timeScale: 1,
        }),
      ).toThrow(message);
    });
});

describe('the definition rules', () => {
  const task = (extra: Record<string, unknown>) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: localFunctionArn('fixtures/echo'), 'Payload.$': '$' },
    End: true,
    ...extra,
  });
  const goodRetry = [
    {
      ErrorEquals: ['Lambda.ServiceException'],
      IntervalSeconds: 1,
      BackoffRate: 2,
      MaxAttempts: 3,
      JitterStrategy: 'FULL',
    },
  ];
  const goodCatch = [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }];
  const machine = (state: Record<string, unknown>) => ({
    StartAt: 'Work',
    States: { Work: state, Failed: { Type: 'Fail' } },
  });

  it('accepts a Task with backoff, jitter and Catch', () => {
    expect(definitionRuleProblems(machine(task({ Retry: goodRetry, Catch: goodCatch })))).toEqual([]);
  });

  it('names a Task without Retry, or without Catch', () => {
    expect(definitionRuleProblems(machine(task({ Catch: goodCatch })))).toEqual(['Task "Work" has no Retry']);
    expect(definitionRuleProblems(machine(task({ Retry: goodRetry })))).toEqual(['Task "Work" has no Catch']);
  });

  it('names a retry that does not back off or has no jitter', () => {
    const flat = [{ ErrorEquals: ['States.ALL'], BackoffRate: 1, JitterStrategy: 'FULL' }];
    const noJitter = [{ ErrorEquals: ['States.ALL'], BackoffRate: 2 }];
    expect(definitionRuleProblems(machine(task({ Retry: flat, Catch: goodCatch })))).toEqual([
      'Task "Work" Retry #1 does not back off (BackoffRate must be above 1)',
    ]);
    expect(definitionRuleProblems(machine(task({ Retry: noJitter, Catch: goodCatch })))).toEqual([
      'Task "Work" Retry #1 has no jitter (JitterStrategy must be FULL)',
    ]);
  });

  it('names a token wait without a timeout, and accepts TimeoutSeconds or TimeoutSecondsPath', () => {
    const wait = (extra: Record<string, unknown>) =>
      task({
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Retry: goodRetry,
        Catch: goodCatch,
        ...extra,
      });
    expect(definitionRuleProblems(machine(wait({})))).toEqual([
      'Task "Work" waits for a task token without TimeoutSeconds or TimeoutSecondsPath',
    ]);
    expect(definitionRuleProblems(machine(wait({ TimeoutSeconds: 3600 })))).toEqual([]);
    expect(definitionRuleProblems(machine(wait({ TimeoutSecondsPath: '$.timeout' })))).toEqual([]);
  });

  it('names JSONata at the top and on a state', () => {
    expect(
      definitionRuleProblems({ ...machine({ Type: 'Pass', End: true }), QueryLanguage: 'JSONata' }),
    ).toEqual(['the definition uses QueryLanguage JSONata; write it in JSONPath']);
    expect(definitionRuleProblems(machine({ Type: 'Pass', End: true, QueryLanguage: 'JSONata' }))).toEqual([
      '"Work" uses QueryLanguage JSONata',
    ]);
  });

  it('counts an empty Retry or Catch list as none', () => {
    expect(definitionRuleProblems(machine(task({ Retry: [], Catch: [] })))).toEqual([
      'Task "Work" has no Retry',
      'Task "Work" has no Catch',
    ]);
  });

  it('accepts a retry that leaves BackoffRate at the service default of 2', () => {
    const defaultRate = [{ ErrorEquals: ['States.ALL'], JitterStrategy: 'FULL' }];
    expect(definitionRuleProblems(machine(task({ Retry: defaultRate, Catch: goodCatch })))).toEqual([]);
  });

  it('names every retrier that falls short, not only the first', () => {
    const retries = [...goodRetry, { ErrorEquals: ['States.Timeout'], BackoffRate: 1.0 }];
    expect(definitionRuleProblems(machine(task({ Retry: retries, Catch: goodCatch })))).toEqual([
      'Task "Work" Retry #2 does not back off (BackoffRate must be above 1)',
      'Task "Work" Retry #2 has no jitter (JitterStrategy must be FULL)',
    ]);
  });

  it('looks inside a legacy Map Iterator and a Parallel nested in a Map', () => {
    const inner = { StartAt: 'Inner', States: { Inner: task({ Catch: goodCatch }) } };
    const nested = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          Iterator: {
            StartAt: 'Both',
            States: { Both: { Type: 'Parallel', Branches: [inner, inner], End: true } },
          },
          Next: 'Old Style',
        },
        'Old Style': { Type: 'Map', Iterator: inner, End: true },
      },
    };
    expect(definitionRuleProblems(nested)).toEqual([
      'Task "Each › Both › branch 1 › Inner" has no Retry',
      'Task "Each › Both › branch 2 › Inner" has no Retry',
      'Task "Old Style › Inner" has no Retry',
    ]);
  });

  it('looks inside Parallel branches and Map processors', () => {
    const inner = { StartAt: 'Inner', States: { Inner: task({}) } };
    const nested = {
      StartAt: 'Fan out',
      States: {
        'Fan out': { Type: 'Parallel', Branches: [inner], Next: 'Each' },
        Each: { Type: 'Map', ItemProcessor: inner, End: true },
      },
    };
    expect(definitionRuleProblems(nested)).toEqual([
      'Task "Fan out › branch 1 › Inner" has no Retry',
      'Task "Fan out › branch 1 › Inner" has no Catch',
      'Task "Each › Inner" has no Retry',
      'Task "Each › Inner" has no Catch',
    ]);
  });
});
