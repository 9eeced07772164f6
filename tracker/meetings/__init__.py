"""A commission's meetings: agendas drafted from what needs the commission, decisions written back, documents."""
