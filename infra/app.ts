/** The CDK app entry point (cdk.json runs it): the data stack and the API stack. */
import { buildJunctionApp } from './junction-app.ts';

buildJunctionApp();
