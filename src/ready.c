/* ready.c: being written */
