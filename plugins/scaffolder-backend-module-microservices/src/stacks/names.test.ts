import { pluralizeResource, resourceNames } from './names';

describe('pluralizeResource', () => {
  it.each([
    // What the hand-written rules gave before, unchanged.
    ['user', 'users'],
    ['customer', 'customers'],
    ['order', 'orders'],
    ['line-item', 'line-items'],
    ['category', 'categories'],
    ['address', 'addresses'],
    ['box', 'boxes'],
    ['day', 'days'],
    // English that plain suffixes got wrong.
    ['person', 'people'],
    ['sales-person', 'sales-people'],
    ['child', 'children'],
    ['quiz', 'quizzes'],
    // Words English leaves alone still get a plural distinct in code, as before.
    ['sheep', 'sheeps'],
    ['data', 'datas'],
    ['series', 'serieses'],
  ])('%s → %s', (singular, plural) => {
    expect(pluralizeResource(singular)).toBe(plural);
  });

  it('names every derived identifier from the plural', () => {
    expect(resourceNames('sales-person')).toMatchObject({
      plural: 'sales-people',
      pascalPlural: 'SalesPeople',
      camelPlural: 'salesPeople',
      table: 'sales_people',
      path: '/api/v1/sales-people',
    });
    expect(resourceNames('person', 'persons').plural).toBe('persons');
  });
});
