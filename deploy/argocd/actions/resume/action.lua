-- Argo CD action resume for svkms.dev/SvKmsMigration: spec.paused = false.
obj.spec.paused = false
return obj
