import { defaultOwner } from './ownerDefault';

const GROUPS = ['group:default/team-a', 'group:default/team-b'];

describe('defaultOwner', () => {
  it("picks the person's first group that is offered", () => {
    expect(
      defaultOwner(
        ['user:default/oli', 'group:default/team-b', 'group:default/team-a'],
        GROUPS,
      ),
    ).toBe('group:default/team-b');
  });

  it('skips their User, groups not offered, and claims that are no entity reference', () => {
    expect(
      defaultOwner(
        [
          'user:default/pat',
          'group:default/elsewhere',
          'not a ref:/',
          'group:default/team-a',
        ],
        GROUPS,
      ),
    ).toBe('group:default/team-a');
  });

  it('leaves the choice to the person who belongs to no offered group', () => {
    expect(defaultOwner(['user:development/guest'], GROUPS)).toBeUndefined();
    expect(defaultOwner(['group:default/team-a'], [])).toBeUndefined();
  });
});
