"""Infrastructure: AWS clients and endpoint settings, the local AWS emulator, the
CloudFormation templates (loading, intrinsic functions), packaging and deployment, and the
fill-ins that make the emulator's CloudFormation deploy whole.

Nothing here is imported by the validation engine; `aws.client` is the one way the rest of
the project reaches AWS or the emulator.
"""
