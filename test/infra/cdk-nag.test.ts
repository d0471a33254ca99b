import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes';
import { pascalCase } from '../../infra/constructs/junction-function.ts';
import { type Synthesized, synthesize } from './support/synth.ts';

/**
 * cdk-nag 3 reports through CDK's validation framework (a plugin run during synthesis, whose
 * findings fail `app.synth()` and land in validation-report.json), not through annotations, so
 * the findings are read from the pack itself rather than from `Annotations.fromStack`.
 */
interface Finding {
  rule: string;
  path: string;
}

function findings(root: IConstruct, options: { ignoreAcknowledgements: boolean }): Finding[] {
  const pack = new AwsSolutionsChecks();
  if (options.ignoreAcknowledgements) {
    // The pack consults acknowledgements through this (private) method; disabling it shows every
    // finding the acknowledgements hide.
    Object.assign(pack, { isAcknowledged: () => false });
  }
  return pack.validateScope(root).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      path: resource.constructPath ?? '?',
    })),
  );
}

interface Acknowledgement {
  rule: string;
  path: string;
  reason: string;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          rule: id.replace(/^annotation::/i, ''),
          path: construct.node.path,
          reason,
        })),
      ),
  );
}

const covers = (ack: Acknowledgement, finding: Finding) =>
  finding.rule === ack.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`));

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesize({ bundle: false });
});
afterAll(() => synthesized?.cleanUp());

describe('cdk-nag AwsSolutions checks', () => {
  it('synthesizes with every AwsSolutions finding either fixed or acknowledged next to its resource', () => {
    const open = findings(synthesized.app, { ignoreAcknowledgements: false });
    expect(open.map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
    expect(synthesized.synthError).toBeUndefined();
  });

  it('acknowledges each finding with a specific reason, not a shrug', () => {
    const acks = acknowledgements(synthesized.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.rule, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.rule} at ${ack.path}`).toBeGreaterThanOrEqual(80);
      expect(ack.reason, `${ack.rule} at ${ack.path}`).not.toMatch(
        /not (needed|required|applicable)|n\/a|todo/i,
      );
    }
  });

  it('acknowledges only findings that exist, so no acknowledgement silently outlives its reason', () => {
    const all = findings(synthesized.app, { ignoreAcknowledgements: true });
    const stale = acknowledgements(synthesized.app).filter((ack) => !all.some((f) => covers(ack, f)));
    expect(stale.map((ack) => `${ack.rule} at ${ack.path}`)).toEqual([]);
  });

  it('accepts only the expected kinds of exception: X-Ray and log-delivery wildcards, execution ARN patterns, the Lambda runtime, dead-letter queues, the webhook secrets’ path, public routes', () => {
    const rules = new Set(acknowledgements(synthesized.app).map((ack) => ack.rule));
    const expected = [
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      // Only once the inbound SMS handler exists: its topic's dead-letter queue; and the stream
      // consumer's failure queue.
      'AwsSolutions-SQS3',
      // The webhook secrets: one SSM parameter per endpoint or source, made at run time, under one path.
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/junction/webhooks/*]',
    ];
    const executionPatterns = [...rules].filter((rule) => rule.startsWith('AwsSolutions-IAM5[Resource::'));
    for (const rule of executionPatterns)
      if (!expected.includes(rule)) expect(rule).toMatch(/:execution:JunctionWorkflows-[a-z0-9-]+:\*\]$/);
    expect(
      [...rules].filter((rule) => !expected.includes(rule) && !executionPatterns.includes(rule)),
    ).toEqual([]);
    const publicRoutes = acknowledgements(synthesized.app)
      .filter((ack) => ack.rule === 'AwsSolutions-APIG4')
      .map((ack) => ack.path);
    // The $default route, and the routes the route table itself marks public: nothing else.
    const markedPublic = ROUTES.filter((route) => route.access === 'public').map(
      (route) => `JunctionApi/${route.method}${pascalCase(route.path)}`,
    );
    expect(markedPublic).toContain('JunctionApi/GETOpenapiJson');
    expect(publicRoutes.sort()).toEqual(['JunctionApi/DefaultRoute', ...markedPublic].sort());
  });
});

describe('the app as `cdk synth` runs it', () => {
  it('synthesizes every stack without a CDK warning or error', () => {
    for (const stack of [synthesized.data, synthesized.workflows, synthesized.api]) {
      if (!stack) continue; // no workflows stack until there is a workflow to deploy
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findWarning('*', Match.anyValue()), stack.stackName).toEqual([]);
      expect(annotations.findError('*', Match.anyValue()), stack.stackName).toEqual([]);
    }
  });

  let withRogueTable: Synthesized;
  beforeAll(() => {
    withRogueTable = synthesize({
      bundle: false,
      beforeSynth: ({ data }) => {
        new Table(data, 'TableWithoutRecovery', { partitionKey: { name: 'id', type: AttributeType.STRING } });
      },
    });
  });
  afterAll(() => withRogueTable?.cleanUp());

  it('fails synthesis when a resource breaks an AwsSolutions rule without an acknowledgement', () => {
    expect(withRogueTable.synthError?.message).toContain('AwsSolutions-DDB3');
    const report = readFileSync(join(withRogueTable.outdir, 'validation-report.json'), 'utf8');
    expect(report).toContain('AwsSolutions-DDB3');
    expect(report).toContain('JunctionData/TableWithoutRecovery');
  });
});
