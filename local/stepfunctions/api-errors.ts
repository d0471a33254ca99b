/** Errors the API answers with: AWS's `__type` names, all HTTP 400 as on AWS. */

export type SfnErrorType =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'InvalidArn'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'StateMachineTypeNotSupported'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException';

export class SfnApiError extends Error {
  constructor(
    readonly type: SfnErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export const executionDoesNotExist = (arn: string) =>
  new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);

export const stateMachineDoesNotExist = (arn: string) =>
  new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);

export const invalidArn = (arn: string, why: string) =>
  new SfnApiError('InvalidArn', `Invalid Arn: '${why}: ${arn}'`);

export const taskTimedOut = () =>
  new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");

export const invalidToken = (why = 'Invalid token') =>
  new SfnApiError('InvalidToken', `Invalid Token: '${why}'`);

export const notSupportedByType = () =>
  new SfnApiError(
    'StateMachineTypeNotSupported',
    'This operation is not supported by this type of state machine',
  );
