/** Requests the customers service answers (queue group `customers`). */
export const CustomersSubjects = {
  signUp: 'customers.customer.sign-up',
  login: 'customers.customer.login',
  refreshToken: 'customers.customer.refresh-token',
  changePassword: 'customers.customer.change-password',
  createCustomer: 'customers.customer.create',
  getCustomer: 'customers.customer.get',
  updateCustomer: 'customers.customer.update',
  recordChannel: 'customers.customer.record-channel',
  exportCustomer: 'customers.customer.export',
  eraseCustomer: 'customers.customer.erase',
  addAddress: 'customers.address.add',
  replaceAddress: 'customers.address.replace',
  removeAddress: 'customers.address.remove',
  createGroup: 'customers.group.create',
  updateGroup: 'customers.group.update',
  listGroups: 'customers.group.list',
  createCompany: 'customers.company.create',
  updateCompany: 'customers.company.update',
  getCompany: 'customers.company.get',
  setCompanyMember: 'customers.company.set-member',
  removeCompanyMember: 'customers.company.remove-member',
  /** Called by the orders service's checkout saga before a B2B member's order is placed. */
  authorizeCompanyOrder: 'customers.company.authorize-order',
  earnPoints: 'customers.loyalty.earn',
  redeemPoints: 'customers.loyalty.redeem',
  adjustPoints: 'customers.loyalty.adjust',
  getLoyalty: 'customers.loyalty.get',
  expirePoints: 'customers.loyalty.expire',
} as const;

/** Durable events the customers service publishes on its JetStream stream. */
export const CustomersEvents = {
  customerCreated: 'customers.customer.created',
  customerUpdated: 'customers.customer.updated',
  customerErased: 'customers.customer.erased',
  loyaltyChanged: 'customers.loyalty.changed',
} as const;

export const CUSTOMERS_STREAM = 'CUSTOMERS_EVENTS';
