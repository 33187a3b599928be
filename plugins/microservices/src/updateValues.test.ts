import { prefillQuery } from './updateValues';

describe('prefillQuery', () => {
  it('prefills the update template through formData', () => {
    const query = new URLSearchParams(
      prefillQuery({ location: 'local', repository: 'x' }),
    );
    expect(JSON.parse(query.get('formData')!)).toEqual({
      location: 'local',
      repository: 'x',
    });
  });
});
