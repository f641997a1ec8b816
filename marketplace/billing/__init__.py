"""Usage bills (账单): month-end rating of postpaid entitlements, bill payment, overdue suspension."""
