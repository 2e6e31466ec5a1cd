package cart

import "context"

// ApplyGuestLines is a merge stopped after its first step: the guest's
// lines are in the shopper's cart, and the guest cart is still there, as a
// crash or a lost answer leaves them.
func (s *Store) ApplyGuestLines(ctx context.Context, guestToken string, userID int) (dropped []int, err error) {
	g, err := s.readGuest(ctx, guestToken)
	if err != nil {
		return nil, err
	}
	return s.applyGuest(ctx, guestToken, userID, g)
}
