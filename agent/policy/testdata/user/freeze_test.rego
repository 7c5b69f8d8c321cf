package driftdeck.policy_test

# Loaded by `opa test`, ignored by the engine.
test_nothing if true
