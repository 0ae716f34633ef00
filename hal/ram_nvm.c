/* placeholder, written by the hal/ task */
