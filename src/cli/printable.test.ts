import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { printable, problemLine, problemPath } from './printable.ts';

describe('printable', () => {
  it('escapes line breaks, controls and the backslash JSON-style', () => {
    expect(printable('a\nb\r\nc\td\u0008\u000c')).toBe('a\\nb\\r\\nc\\td\\b\\f');
    expect(printable('back\\slash \\n')).toBe('back\\\\slash \\\\n');
    expect(printable('\u0000\u0007\u001b[31mred\u007f\u0085\u009b')).toBe('\\u0000\\u0007\\u001b[31mred\\u007f\\u0085\\u009b');
  });

  it('escapes Unicode line separators, bidi and zero-width format characters, lone surrogates and unassigned code points', () => {
    expect(printable('\u2028\u2029')).toBe('\\u2028\\u2029');
    expect(printable('a\u202eb\u2066c\u200bd\u200de\ufeff')).toBe('a\\u202eb\\u2066c\\u200bd\\u200de\\ufeff');
    expect(printable('x\ud800y\udfff')).toBe('x\\ud800y\\udfff');
    expect(printable('\u{10ffff}\ue000')).toBe('\\u{10ffff}\\ue000');
  });

  it('leaves printable text alone, including non-ASCII letters, emoji and quotes', () => {
    for (const s of ['spec.kms.extraConfig.k"', 'ünïcødé שלום مرحبا 🎉', 'a b\u00a0c', '', '${X} = {}']) expect(printable(s)).toBe(s);
  });

  it('never yields a line break or a control character (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        const out = printable(s);
        expect(out).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u);
        expect(out.split('\n')).toHaveLength(1);
        // Unambiguous: printable text is unchanged, everything else grows into an escape.
        if (!/[\\\p{C}\p{Zl}\p{Zp}]/u.test(s)) expect(out).toBe(s);
        else expect(out).not.toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('problemLine', () => {
  it('prints the document as (document) and a field named "" as ""', () => {
    expect(problemPath(null)).toBe('(document)');
    expect(problemPath('')).toBe('""');
    expect(problemLine('f.yaml', '', 'is not a known field')).toBe('f.yaml: "": is not a known field\n');
    expect(problemLine('f.yaml', null, 'is not a Kubernetes object')).toBe('f.yaml: (document): is not a Kubernetes object\n');
  });

  it('keeps a problem on one line whatever the file, path and message hold', () => {
    expect(problemLine('a\nb.yaml', 'x\ny', 'is bad\nf.yaml: spec: fake')).toBe('a\\nb.yaml: x\\ny: is bad\\nf.yaml: spec: fake\n');
  });
});
