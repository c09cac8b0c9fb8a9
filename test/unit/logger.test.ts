import { captureLog } from '../helpers/captured-log';

describe('the logger', () => {
  it('writes the levels it is set to, skips the others, and follows a level changed at runtime', () => {
    const captured = captureLog('info');
    captured.log.debug('a debug line', { requestId: 'r1' });
    captured.log.info('an info line', { requestId: 'r2' });
    captured.log.error('an error line', { err: new Error('boom') });
    captured.log.level = 'debug';
    captured.log.debug('debug, now wanted');
    captured.log.level = 'error';
    captured.log.warn('a warning under error level');
    expect(captured.lines().map((line) => [line.level, line.message])).toEqual([
      ['info', 'an info line'],
      ['error', 'an error line'],
      ['debug', 'debug, now wanted'],
    ]);
    expect(captured.lines()[1]).toMatchObject({ err: { name: 'Error', message: 'boom' } });
  });

  it('still redacts secrets and message text by field name', () => {
    const captured = captureLog('info');
    captured.log.info('a request', { authorization: 'Bearer secret-token', content: 'what the user wrote', model: 'gpt-4o-mini' });
    expect(captured.text()).not.toContain('secret-token');
    expect(captured.text()).not.toContain('what the user wrote');
    expect(captured.lines()[0]).toMatchObject({ authorization: '[redacted]', content: '[redacted]', model: 'gpt-4o-mini' });
  });
});
