-- Argo CD action pause for svkms.dev/SvKmsMigration: spec.paused = true (no side effects until resumed).
obj.spec.paused = true
return obj
