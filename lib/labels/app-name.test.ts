import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HotpathError } from '../errors.ts';
import { parseAppName } from './app-name.ts';

function rejects(name: string, message: string): void {
  assert.throws(
    () => parseAppName(name),
    (e: unknown) => {
      assert.ok(e instanceof HotpathError);
      assert.equal(e.code, 'bad_request');
      assert.equal(e.message, message);
      return true;
    },
  );
}

describe('parseAppName: what SDKs send', () => {
  it('@pyroscope/nodejs 0.6 (dotted keys, slash in a value)', () => {
    assert.deepEqual(parseAppName('nodeapp{otel.scope.name=com.grafana.pyroscope/nodejs,region=eu}'), {
      appName: 'nodeapp',
      labels: { 'otel.scope.name': 'com.grafana.pyroscope/nodejs', region: 'eu' },
    });
    assert.deepEqual(
      parseAppName(
        'nodeapp{otel.scope.name=com.grafana.pyroscope/nodejs,otel.scope.version=0.6.4,process.runtime.name=nodejs,process.runtime.version=20.20.2,region=eu}',
      ),
      {
        appName: 'nodeapp',
        labels: {
          'otel.scope.name': 'com.grafana.pyroscope/nodejs',
          'otel.scope.version': '0.6.4',
          'process.runtime.name': 'nodejs',
          'process.runtime.version': '20.20.2',
          region: 'eu',
        },
      },
    );
  });

  it('pyroscope-go (reserved-looking keys are ordinary labels)', () => {
    assert.deepEqual(parseAppName('svc{__session_id__=0123456789abcdef,otel.scope.name=com.grafana.pyroscope/godeltaprof}'), {
      appName: 'svc',
      labels: { __session_id__: '0123456789abcdef', 'otel.scope.name': 'com.grafana.pyroscope/godeltaprof' },
    });
  });

  it('bare names and empty braces (app name keeps its dotted suffix)', () => {
    assert.deepEqual(parseAppName('app.cpu{}'), { appName: 'app.cpu', labels: {} });
    assert.deepEqual(parseAppName('app'), { appName: 'app', labels: {} });
    assert.deepEqual(parseAppName('my-app/v2.cpu'), { appName: 'my-app/v2.cpu', labels: {} });
  });
});

describe('parseAppName: grammar details', () => {
  it('trims the app name, keys and values', () => {
    assert.deepEqual(parseAppName('  app\n { a = 1 ,b= 2 }'), { appName: 'app', labels: { a: '1', b: '2' } });
  });

  it('__name__ replaces the app name without validation', () => {
    assert.deepEqual(parseAppName('app{__name__=other}'), { appName: 'other', labels: {} });
    assert.deepEqual(parseAppName('app{a=1,__name__=my other}'), { appName: 'my other', labels: { a: '1' } });
  });

  it('values run to the next , or } with no escaping', () => {
    assert.deepEqual(parseAppName('app{a=b=c,d=x{y}'), { appName: 'app', labels: { a: 'b=c', d: 'x{y' } });
    assert.deepEqual(parseAppName('app{a=}'), { appName: 'app', labels: { a: '' } });
    assert.deepEqual(parseAppName('app{a=1,a=2}'), { appName: 'app', labels: { a: '2' } });
  });

  it('drops a last segment without =', () => {
    assert.deepEqual(parseAppName('app{a=1,flag}'), { appName: 'app', labels: { a: '1' } });
    assert.deepEqual(parseAppName('app{flag}'), { appName: 'app', labels: {} });
  });

  it('keeps a , before = in the key, as Pyroscope does', () => {
    rejects('app{flag,a=1}', "name: invalid label name: flag,a: character is not allowed: ','");
  });

  it('ignores text after the closing } unless it forms another pair', () => {
    assert.deepEqual(parseAppName('app{a=1}junk'), { appName: 'app', labels: { a: '1' } });
    assert.deepEqual(parseAppName('app{a=1,}b=2}'), { appName: 'app', labels: { a: '1' } });
    assert.deepEqual(parseAppName('app{}b=2}'), { appName: 'app', labels: {} });
    assert.deepEqual(parseAppName('app{a=1}b=2}'), { appName: 'app', labels: { a: '1', b: '2' } });
  });

  it('drops the last pair when the closing } is missing', () => {
    assert.deepEqual(parseAppName('app{a=1,b=2'), { appName: 'app', labels: { a: '1' } });
    assert.deepEqual(parseAppName('app{a=1'), { appName: 'app', labels: {} });
  });

  it('keeps __proto__ as an ordinary label', () => {
    const { labels } = parseAppName('app{__proto__=x}');
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.ok(Object.hasOwn(labels, '__proto__'));
    assert.equal(labels['__proto__'], 'x');
  });
});

describe('parseAppName: errors name the problem', () => {
  it('bad runes in the app name', () => {
    rejects('my app', "name: invalid service name: my app: character is not allowed: ' '");
    rejects('my app{a=1}', "name: invalid service name: my app: character is not allowed: ' '");
    rejects('a\tb', "name: invalid service name: a\tb: character is not allowed: '\\t'");
    rejects('appé', "name: invalid service name: appé: character is not allowed: 'é'");
    rejects('app\u200b', "name: invalid service name: app\u200b: character is not allowed: '\\u200b'");
  });

  it('empty app name', () => {
    rejects('{x=1}', 'name: service name is required (name "{x=1}")');
    rejects('', 'name: service name is required (name "")');
    rejects('  {x=1}', 'name: service name is required (name "  {x=1}")');
    rejects('app{__name__=}', 'name: service name is required: __name__ is empty in "app{__name__=}"');
  });

  it('bad or empty label names', () => {
    rejects('app{k-8s=x}', "name: invalid label name: k-8s: character is not allowed: '-'");
    rejects('app{a/b=x}', "name: invalid label name: a/b: character is not allowed: '/'");
    rejects("app{it's=x}", "name: invalid label name: it's: character is not allowed: '\\''");
    rejects('app{=x}', 'name: label name is required (name "app{=x}")');
    rejects('app{a=1, =x}', 'name: label name is required (name "app{a=1, =x}")');
  });
});
