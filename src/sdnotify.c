/* sdnotify.c: being written */
