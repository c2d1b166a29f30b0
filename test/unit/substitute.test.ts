import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { substituteArgv } from '../../host/agents/substitute';

const vars = { files: ['src/a.ts', 'src/b c.ts'], workspace: '/ws', task: 'audit' };

test('${files} as a whole element expands to one element per file', () => {
  assert.deepEqual(substituteArgv(['lint', '${files}', '--x'], vars), ['lint', 'src/a.ts', 'src/b c.ts', '--x']);
});

test('${files} with no files expands to no element at all', () => {
  assert.deepEqual(substituteArgv(['lint', '${files}', '--x'], { ...vars, files: [] }), ['lint', '--x']);
});

test('${files} inside a larger element is space-joined', () => {
  assert.deepEqual(substituteArgv(['--files=${files}'], vars), ['--files=src/a.ts src/b c.ts']);
  assert.deepEqual(substituteArgv(['--files=${files}'], { ...vars, files: [] }), ['--files=']);
});

test('${file} is the first file, empty when none', () => {
  assert.deepEqual(substituteArgv(['${file}', 'f=${file}'], vars), ['src/a.ts', 'f=src/a.ts']);
  assert.deepEqual(substituteArgv(['${file}', 'f=${file}'], { ...vars, files: [] }), ['', 'f=']);
});

test('an explicitly provided file wins over the first of files', () => {
  assert.deepEqual(substituteArgv(['${file}'], { ...vars, file: 'x.ts' }), ['x.ts']);
});

test('${workspace}, ${task} and extra vars are substituted inside elements', () => {
  assert.deepEqual(
    substituteArgv(['--root=${workspace}/sub', '${task}', '${model}:${task}'], { ...vars, model: 'm1' }),
    ['--root=/ws/sub', 'audit', 'm1:audit'],
  );
});

test('unknown variables and malformed references are left untouched', () => {
  assert.deepEqual(substituteArgv(['${nope}', 'a${nope}b', '${', '${}', '$files', '${ files}'], vars), [
    '${nope}',
    'a${nope}b',
    '${',
    '${}',
    '$files',
    '${ files}',
  ]);
});

test('$${ escapes to a literal ${', () => {
  // '$$${task}': the leftmost `$${` is the escape, so the result is '$' + '${' + 'task}'
  assert.deepEqual(substituteArgv(['$${files}', 'a$${task}b', '$$${task}'], vars), [
    '${files}',
    'a${task}b',
    '$${task}',
  ]);
  assert.deepEqual(substituteArgv(['$$x', '$'], vars), ['$$x', '$']);
});

test('values are inserted verbatim: no shell, no re-expansion, no $-replacement patterns', () => {
  const tricky = { files: ['$(rm -rf /)', '; echo hi', "$&'$1"], workspace: '${task}', task: '$$' };
  assert.deepEqual(substituteArgv(['${files}', '${workspace}', 'w=${workspace}', '${task}'], tricky), [
    '$(rm -rf /)',
    '; echo hi',
    "$&'$1",
    '${task}',
    'w=${task}',
    '$$',
  ]);
});

test('the template is not modified and an empty template stays empty', () => {
  const argv = ['x', '${files}'];
  substituteArgv(argv, vars);
  assert.deepEqual(argv, ['x', '${files}']);
  assert.deepEqual(substituteArgv([], vars), []);
});

test('another list-valued variable expands like ${files}', () => {
  assert.deepEqual(substituteArgv(['${dirs}', 'd=${dirs}'], { ...vars, dirs: ['a', 'b'] }), ['a', 'b', 'd=a b']);
});
