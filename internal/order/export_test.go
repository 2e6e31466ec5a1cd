package order

// Waiting is how many calls wait in the queue of the SKU's lane (not
// counting a batch that is running).
func (s *Service) Waiting(skuID int) int {
	s.batches.mu.Lock()
	defer s.batches.mu.Unlock()
	if q := s.batches.queues[laneOf(skuID)]; q != nil {
		return len(q.waiting)
	}
	return 0
}

// SameLane reports whether the SKUs' one-SKU orders share a queue.
func SameLane(a, b int) bool { return laneOf(a) == laneOf(b) }
