/* `omnipower objects`: the meter's object list as a Markdown table (objects.c). */
#ifndef OMNIPOWER_TOOLS_OBJECTS_H
#define OMNIPOWER_TOOLS_OBJECTS_H

/** Run `omnipower objects` (argv[0] is "objects"). @return the exit status. */
int cmd_objects(int argc, char **argv);

#endif /* OMNIPOWER_TOOLS_OBJECTS_H */
