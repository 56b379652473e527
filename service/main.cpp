#include "app/ServiceMain.h"

int main(int argc, char *argv[])
{
    return aap::app::ServiceMain::run(argc, argv);
}
