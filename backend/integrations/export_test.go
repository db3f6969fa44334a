package integrations

// LockForTest holds the one-sync-per-integration guard, as a sync in
// progress does.
func (s *Service) LockForTest(userID, provider string) (unlock func(), err error) {
	return s.lock(userID, provider)
}
