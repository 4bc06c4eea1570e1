# Pure Python implementations of standards and rules: no ORM import here.
