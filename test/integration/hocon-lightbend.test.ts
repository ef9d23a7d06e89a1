/**
 * The operator's HOCON reader (src/render/hocon-parse.ts) against Lightbend Config, the parser Canton uses: for
 * documents of the supported subset, written with every syntax variant the subset allows, both must yield the same
 * object; and whatever the reader accepts of arbitrary token soup, Lightbend must read the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HoconSyntaxError, parseHocon } from '../../src/render/hocon-parse.ts';
import { LightbendOracle } from '../env/lightbend.ts';

let oracle: LightbendOracle;
beforeAll(() => {
  oracle = LightbendOracle.start();
});
afterAll(async () => {
  await oracle.stop();
});

type Tree = { [key: string]: Leaf | Tree };
type Leaf = { text: string };

const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/);
const keyPiece = fc.oneof(
  { weight: 3, arbitrary: word.map((w) => w) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.stringMatching(/^[1-9][0-9]{0,5}$/) },
);
/** A key as written: one piece, or a dotted path of pieces. */
const keyText = fc.array(keyPiece, { minLength: 1, maxLength: 3 }).map((pieces) => pieces.join('.'));

const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }).map((s) => ({ text: JSON.stringify(s) })),
  word.filter((w) => w !== 'null' && w !== 'include').map((w) => ({ text: w })),
  fc.stringMatching(/^[a-z]+(\.[a-z]+){1,2}$/).map((w) => ({ text: w })),
  fc.boolean().map((b) => ({ text: String(b) })),
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }).map((n) => ({ text: String(n) })),
  fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)).map((d) => ({ text: String(d) })),
  fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.constantFrom('ms', 's', 'm', 'h', 'd')).map(([n, u]) => ({ text: `${n}${u}` })),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 20 })).map(([m, e]) => ({ text: `${m}e${e}` })),
);

const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc
    .array(fc.tuple(keyText, fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('tree'))), { maxLength: 5 })
    .map((fields) => {
      const t: Tree = {};
      // Duplicate keys are kept on purpose (as separate fields below): both parsers must merge them alike.
      fields.forEach(([k, v], i) => Object.defineProperty(t, `${k}\u0000${i}`, { value: v, enumerable: true }));
      return t;
    }),
})).tree;

/** Syntax choices for writing a tree. */
const style = fc.record({
  separator: fc.constantFrom(' = ', '=', ' : ', ':', '\t=\t'),
  objectSeparator: fc.constantFrom(' ', ' = ', ':', ''),
  fieldEnd: fc.constantFrom('\n', ',\n', ', ', '\n\n', ' # comment\n', ' // comment\n', '\r\n'),
  braceRoot: fc.boolean(),
});

function write(t: Tree, s: { separator: string; objectSeparator: string; fieldEnd: string }, indent = ''): string {
  return Object.entries(t)
    .map(([k, v]) => {
      const key = k.slice(0, k.lastIndexOf('\u0000'));
      if ('text' in v && typeof v.text === 'string') return `${indent}${key}${s.separator}${v.text}${s.fieldEnd}`;
      return `${indent}${key}${s.objectSeparator}{\n${write(v as Tree, s, `${indent}  `)}${indent}}${s.fieldEnd}`;
    })
    .join('');
}

describe('parseHocon agrees with Lightbend Config', () => {
  it('on documents of the supported subset, in every syntax variant (property)', async () => {
    await fc.assert(
      fc.asyncProperty(tree, style, async (t, s) => {
        const body = write(t, s);
        const text = s.braceRoot ? `{\n${body}}\n` : body;
        const ours = parseHocon(text);
        const theirs = await oracle.parse(text);
        expect(theirs).toEqual({ ok: true, value: ours });
      }),
      { numRuns: 400, seed: 20261129 },
    );
  }, 120_000);

  it('on whatever it accepts of token soup (property)', async () => {
    const token = fc.oneof(
      fc.constantFrom('{', '}', '=', ':', ',', '.', ' ', '\n', 'a', 'b', 'true', '1', '-2.5', '500ms', '"x"', '"a.b"', '""', '# c\n', '// c\n', '\t'),
      word,
      fc.string({ maxLength: 3 }),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 30 }).map((a) => a.join('')), async (text) => {
        let ours: unknown;
        try {
          ours = parseHocon(text);
        } catch (err) {
          expect(err).toBeInstanceOf(HoconSyntaxError);
          return;
        }
        accepted++;
        expect(await oracle.parse(text)).toEqual({ ok: true, value: ours });
      }),
      { numRuns: 1500, seed: 20261130 },
    );
    expect(accepted).toBeGreaterThan(50);
  }, 120_000);

  it('on the HOCON the participant chart and the operator write', async () => {
    const texts = [
      'canton.participants.participant.crypto {\n  provider = kms\n  kms = {\n    region = "us-east-1"\n    type = "aws"\n  }\n}\n        \n',
      '"canton"."participants"."participant"."crypto"."session-signing-keys" {\n  "enabled" = true\n}\n',
      '"canton"."participants"."participant"."crypto"."kms"."custom-tags" {\n  "a.b" = "x:y"\n  "Team Name" = "SV"\n}\n',
    ];
    for (const text of texts) expect(await oracle.parse(text)).toEqual({ ok: true, value: parseHocon(text) });
  });
});
