package order

// Waiting is how many calls wait in the SKU's queue (not counting a batch
// that is running).
func (s *Service) Waiting(skuID int) int {
	s.batches.mu.Lock()
	defer s.batches.mu.Unlock()
	if q := s.batches.queues[skuID]; q != nil {
		return len(q.waiting)
	}
	return 0
}
