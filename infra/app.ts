/** The CDK app entry point (cdk.json runs it): the data, workflows and API stacks. */
import { buildJunctionApp } from './junction-app.ts';

buildJunctionApp();
