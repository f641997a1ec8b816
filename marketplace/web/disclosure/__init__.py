"""Annual disclosure pages: public index, operator-year page and PDF; operator publish; authority deadline."""
