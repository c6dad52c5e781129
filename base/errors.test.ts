import { describe, expect, it } from 'vitest';
import { HubgenError } from './errors.js';

class ParentError extends HubgenError {
  static override readonly kind: string = 'parent';
}
class ChildError extends ParentError {
  static override readonly kind: string = 'child';
  constructor(readonly detail: string) {
    super(`child: ${detail}`);
  }
}
class OtherError extends HubgenError {
  static override readonly kind: string = 'other';
}

describe('HubgenError.isInstance', () => {
  it('recognises a subclass, its ancestors and the base, but not a sibling', () => {
    const e = new ChildError('x');
    expect(ChildError.isInstance(e)).toBe(true);
    expect(ParentError.isInstance(e)).toBe(true);
    expect(HubgenError.isInstance(e)).toBe(true);
    expect(OtherError.isInstance(e)).toBe(false);
    expect(ChildError.isInstance(new ParentError('p'))).toBe(false);
  });

  it('works across duplicate module copies: a marker, not the prototype chain', () => {
    // An error made by another copy of the class: same kind, different constructor.
    const foreign = Object.assign(new Error('from another copy'), { [Symbol.for('hubgen.error')]: ['child', 'parent', 'hubgen'] });
    expect(ChildError.isInstance(foreign)).toBe(true);
    expect(foreign instanceof ChildError).toBe(false);
  });

  it('rejects plain errors and non-objects, and names the error after its class', () => {
    expect(HubgenError.isInstance(new Error('plain'))).toBe(false);
    expect(HubgenError.isInstance('child')).toBe(false);
    expect(HubgenError.isInstance(null)).toBe(false);
    const e = new ChildError('why');
    expect(e.name).toBe('ChildError');
    expect(e.message).toBe('child: why');
    expect(e).toBeInstanceOf(Error);
  });
});
