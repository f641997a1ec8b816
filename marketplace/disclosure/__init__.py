"""Annual disclosure (信息披露, R10): the operator's frozen yearly snapshot, its versions, PDF and deadline."""
