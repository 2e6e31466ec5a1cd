-- The original spelling is not kept: nothing to undo.
DO 0;
