/**
 * A definition that cannot run faithfully on the local service is refused when the service
 * starts, with a message that names the problem and where it is — never a silent pass-through.
 */
import { describe, expect, it } from 'vitest';
import { loadDefinition } from '#local/stepfunctions/definition';
import { bindWorkflow, loadWorkflows } from '#local/stepfunctions/index';
import { WORKFLOWS } from '#workflows/registry.ts';
import { fixtureFunctions } from './fixtures/functions/index.ts';
import { FIXTURE_WORKFLOWS, fixture } from './fixtures/workflows.ts';

const resolveFunction = fixtureFunctions();
const load = (definition: unknown, type: 'STANDARD' | 'EXPRESS' = 'STANDARD') =>
  loadDefinition(JSON.stringify(definition), { name: 'probe', type, resolveFunction, timeScale: 1 });
const ADD_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:junction-fixtures-add';

describe('loading definitions', () => {
  it('loads every fixture workflow', () => {
    expect(loadWorkflows(FIXTURE_WORKFLOWS, resolveFunction, 1).map((machine) => machine.name)).toEqual(
      FIXTURE_WORKFLOWS.map((workflow) => workflow.name),
    );
  });

  it('refuses QueryLanguage JSONata, at the top or on a state', () => {
    expect(() => loadWorkflows([fixture('jsonata')], resolveFunction, 1)).toThrow(/JSONata is not supported/);
    expect(() =>
      load({ StartAt: 'A', States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } } }),
    ).toThrow(/state 'A': QueryLanguage JSONata is not supported locally/);
  });

  it('refuses a Task resource it cannot run, naming the state and the resource', () => {
    expect(() => loadWorkflows([fixture('unsupported-resource')], resolveFunction, 1)).toThrow(
      "state 'Save Lead': Task resource 'arn:aws:states:::dynamodb:putItem' is not supported by the local Step Functions service",
    );
  });

  it('refuses a placeholder the registry does not bind, naming it', () => {
    expect(() => bindWorkflow(fixture('unbound-placeholder'))).toThrow(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message names the placeholder as written
      'placeholder ${ScoreLeadFunction} is used in the definition but not bound in the registry',
    );
  });

  it('refuses a binding the definition never uses (a typo on one side or the other)', () => {
    expect(() => bindWorkflow(fixture('choice', ['AddFunction']))).toThrow(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message names the placeholder as written
      'placeholder ${AddFunction} is bound but the definition never uses it',
    );
  });

  it('refuses a Lambda ARN no handler stands behind', () => {
    expect(() =>
      load({
        StartAt: 'A',
        States: {
          A: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:nobody-home',
            End: true,
          },
        },
      }),
    ).toThrow(
      "state 'A': Lambda function 'arn:aws:lambda:us-east-1:000000000000:function:nobody-home' is not bound",
    );
  });

  it('refuses variables, Distributed Map and other features the local runtime would skip', () => {
    expect(() =>
      load({ StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } }),
    ).toThrow(/state 'A': variables \(Assign\)/);
    expect(() =>
      load({
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'P',
              States: { P: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      }),
    ).toThrow(/state 'M': Distributed Map is not supported locally/);
  });

  it('refuses a token wait in an EXPRESS state machine, and $$.Task.Token outside a token wait', () => {
    const callback = {
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: ADD_ARN, Payload: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    };
    expect(() => load(callback, 'EXPRESS')).toThrow(/EXPRESS state machines cannot wait for a task token/);
    expect(() =>
      load({
        StartAt: 'A',
        States: {
          A: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: ADD_ARN, Payload: { 'token.$': '$$.Task.Token' } },
            End: true,
          },
        },
      }),
    ).toThrow(/\$\$\.Task\.Token is only available/);
  });

  it('reports what asl-validator finds wrong with the definition itself', () => {
    expect(() => load({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } })).toThrow(/Nowhere/);
  });
});

describe('the workflow registry', () => {
  it('binds every placeholder, gives every Task a Retry and a Catch, and loads locally', () => {
    const problems: string[] = [];
    for (const workflow of WORKFLOWS) {
      const definition = JSON.parse(bindWorkflow(workflow)) as { States: Record<string, unknown> };
      for (const [name, state] of taskStates(definition)) {
        if (!Array.isArray(state.Retry)) problems.push(`${workflow.name}: Task '${name}' has no Retry`);
        if (!Array.isArray(state.Catch)) problems.push(`${workflow.name}: Task '${name}' has no Catch`);
      }
    }
    expect(problems).toEqual([]);
    expect(() => loadWorkflows(WORKFLOWS, () => async () => null, 1)).not.toThrow();
  });
});

/** Every Task state, nested ones included. */
function* taskStates(machine: {
  States: Record<string, unknown>;
}): Generator<[string, Record<string, unknown>]> {
  for (const [name, value] of Object.entries(machine.States)) {
    const state = value as Record<string, unknown>;
    if (state.Type === 'Task') yield [name, state];
    for (const branch of (state.Branches as { States: Record<string, unknown> }[] | undefined) ?? [])
      yield* taskStates(branch);
    const processor = (state.ItemProcessor ?? state.Iterator) as
      | { States: Record<string, unknown> }
      | undefined;
    if (processor) yield* taskStates(processor);
  }
}
