/**
 * The static check over every workflow definition in workflows/: it is valid ASL (asl-validator,
 * through the same loader the local service uses), every placeholder is bound and every binding
 * used, and it follows the house rules in workflows/definition-rules.ts. The rules themselves
 * are shown to catch what they claim on small inline definitions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindWorkflow, localFunctionArn } from '#local/stepfunctions/index';
import { definitionRuleProblems } from '#workflows/definition-rules.ts';
import { definitionPath, WORKFLOWS, WORKFLOWS_DIR } from '#workflows/registry.ts';
import { loadDefinition } from '../../local/stepfunctions/definition.ts';

/** A static check resolves the bound ARNs but never invokes them. */
const noFunction = () => async () => {
  throw new Error('not invoked by a static check');
};

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

  for (const workflow of WORKFLOWS) {
    describe(`${workflow.name} (${basename(definitionPath(workflow))})`, () => {
      it('binds every placeholder, uses every binding, and loads as valid ASL the local service can run', () => {
        const bound = bindWorkflow(workflow);
        expect(() =>
          loadDefinition(bound, {
            name: workflow.name,
            type: workflow.type,
            resolveFunction: noFunction,
            timeScale: 1,
          }),
        ).not.toThrow();
      });

      it('gives every Task Retry with backoff and jitter, and Catch; every token wait a timeout; no JSONata', () => {
        const machine = JSON.parse(readFileSync(definitionPath(workflow), 'utf8')) as Record<string, unknown>;
        expect(definitionRuleProblems(machine)).toEqual([]);
      });

      it('waits on people only in a STANDARD workflow', () => {
        const text = readFileSync(definitionPath(workflow), 'utf8');
        if (workflow.type === 'EXPRESS') expect(text).not.toContain('.waitForTaskToken');
        else expect(workflow.type).toBe('STANDARD');
      });
    });
  }
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
