"""The design documents rendered from the evidence and the DataModel.

``dynamodb_requirement.md`` (the requirements working file) and ``dynamodb_data_model.md`` (the design document).
"""
